/**
 * Node options of every gateway Lambda, and of `npm run bench`, which measures with the same.
 * A 32 MB young generation (V8's default is 16 MB) lets the many short-lived values of a result
 * page die young instead of being promoted and collected again: in bench/athena-decode and
 * bench/sql-analysis it raised CSV decoding throughput by about a sixth and cut the analysis p99.
 */
export const LAMBDA_NODE_OPTIONS = '--max-semi-space-size=32';
