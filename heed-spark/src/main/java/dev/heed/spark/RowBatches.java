package dev.heed.spark;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.sql.Row;

/**
 * A partition's rows in batches: pulls up to {@code size} input rows, maps the batch to as many output rows in the
 * same order, hands them out, and only then pulls the next batch, so a partition is never held in memory whole.
 */
final class RowBatches implements Iterator<Row> {
    private final Iterator<Row> in;
    private final int size;
    private final Function<List<Row>, List<Row>> map;
    private Iterator<Row> current = Collections.emptyIterator();

    RowBatches(Iterator<Row> in, int size, Function<List<Row>, List<Row>> map) {
        this.in = in;
        this.size = size;
        this.map = map;
    }

    @Override
    public boolean hasNext() {
        while (!current.hasNext() && in.hasNext()) {
            List<Row> batch = new ArrayList<>(size);
            while (batch.size() < size && in.hasNext()) batch.add(in.next());
            List<Row> out = map.apply(batch);
            if (out.size() != batch.size()) {
                throw new IllegalStateException("heed-spark: a batch of " + batch.size() + " rows mapped to " + out.size());
            }
            current = out.iterator();
        }
        return current.hasNext();
    }

    @Override
    public Row next() {
        if (!hasNext()) throw new NoSuchElementException();
        return current.next();
    }
}
