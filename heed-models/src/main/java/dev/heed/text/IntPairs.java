package dev.heed.text;

import java.util.Arrays;

/** A growable list of int pairs (word ranges), without boxing. */
final class IntPairs {
    private int[] data = new int[16]; // [2 * size]: first, second, first, second, ...
    private int size;

    void add(int first, int second) {
        if (2 * size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[2 * size] = first;
        data[2 * size + 1] = second;
        size++;
    }

    int size() {
        return size;
    }

    int first(int i) {
        return data[2 * i];
    }

    int second(int i) {
        return data[2 * i + 1];
    }
}
