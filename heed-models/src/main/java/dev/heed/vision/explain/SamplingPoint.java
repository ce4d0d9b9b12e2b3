package dev.heed.vision.explain;

/**
 * One place a detection query's deformable attention sampled, in original-image pixels.
 *
 * @param x      pixels from the left edge ({@code loc_x · image width}, loc in 0..1 of the model input)
 * @param y      pixels from the top edge
 * @param weight the softmax attention weight of this point (the weights of one query and head sum to 1 over all
 *               levels and points)
 * @param level  feature level, 0 = the finest (first GridSample of the block)
 * @param head   attention head
 */
public record SamplingPoint(float x, float y, float weight, int level, int head) {}
