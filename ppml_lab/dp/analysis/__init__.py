"""Pure privacy-accounting mathematics (no state): Renyi DP of the subsampled Gaussian."""
