import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryFailure } from '../core/errors.js';
import { locate, tokenize, type Token } from '../core/protocol/lexer.js';

/**
 * Trino's functions on the local engine: users write Trino SQL, DuckDB runs it.
 *
 * Two parts. DuckDB macros with Trino's names and argument order, installed once per instance
 * (`installTrinoFunctions`), give the functions DuckDB lacks. Where DuckDB has a function of the
 * same name with other semantics (date_diff, contains, split, ...), a macro cannot take the
 * name without hiding DuckDB's own function from everything else, so `rewriteTrinoCalls`
 * renames those calls to a `trino_` macro. The rewrite works on Trino's tokens, so text inside
 * strings, quoted identifiers and comments is never touched. It also rewrites the date format
 * functions to strftime/strptime with the format translated (DuckDB needs a constant format,
 * which a macro cannot pass on), refuses by name the Trino functions the local engine cannot
 * give, and turns `TIMESTAMP '... zone'` literals into DuckDB's TIMESTAMPTZ (DuckDB would drop
 * the zone and answer a plain timestamp).
 *
 * No macro body may contain the word "select": the inspector refuses every macro that reads a
 * query (duckdb-inspect.ts), and would refuse these too.
 */

/**
 * Settings Trino's arithmetic needs, given when the instance is created (its configuration is
 * locked afterwards): `/` on integers is integer division, as in Trino (7 / 2 = 3), and a
 * division by zero inside try(...) is NULL, not Infinity.
 */
export const TRINO_SETTINGS: Record<string, string> = { integer_division: 'true' };

/** One row of SHOW SESSION: Trino's columns, every value as text. */
export interface SessionPropertyRow {
  name: string;
  value: string;
  default: string;
  type: string;
  description: string;
}

/**
 * The session properties the local engine honours, as SHOW SESSION lists them: the client's
 * value (X-Trino-Session, or X-Trino-Time-Zone for the zone) where it sent one, the default
 * otherwise. `integer_division` is fixed by TRINO_SETTINGS (the configuration is locked), so the
 * engine refuses a session that asks for another value (`integerDivisionRefusal`).
 */
export function sessionPropertyRows(session: { timeZone?: string; properties?: Record<string, string> }, defaultZone: string): SessionPropertyRow[] {
  const integerDivision = TRINO_SETTINGS.integer_division!;
  return [
    {
      name: 'integer_division',
      value: session.properties?.integer_division ?? integerDivision,
      default: integerDivision,
      type: 'boolean',
      description: 'Division of integers truncates, as in Trino (7 / 2 = 3); the local engine cannot divide them otherwise',
    },
    {
      name: 'time_zone',
      value: session.timeZone ?? defaultZone,
      default: defaultZone,
      type: 'varchar',
      description: 'The zone values with a time zone print in (X-Trino-Time-Zone; the server\'s zone by default)',
    },
  ];
}

/** Why a statement cannot run under the session's `integer_division`, if it cannot. */
export function integerDivisionRefusal(properties: Record<string, string> | undefined): QueryFailure | undefined {
  const asked = properties?.integer_division;
  if (asked === undefined || asked.trim().toLowerCase() === TRINO_SETTINGS.integer_division) return undefined;
  return QueryFailure.of('INVALID_SESSION_PROPERTY', `Session property integer_division can only be ${TRINO_SETTINGS.integer_division} on the local engine, not '${asked}'`);
}

/** Calls renamed before DuckDB reads them: DuckDB's function of that name differs from Trino's. */
const RENAMED: Record<string, string> = {
  date_add: 'trino_date_add',
  date_diff: 'trino_date_diff',
  date_trunc: 'trino_date_trunc',
  contains: 'trino_contains',
  split: 'trino_split',
  regexp_extract: 'trino_regexp_extract',
  regexp_replace: 'trino_regexp_replace',
  element_at: 'trino_element_at',
  cardinality: 'trino_cardinality',
  if: 'trino_if',
  json_extract: 'trino_json_extract',
  array_position: 'trino_array_position',
  millisecond: 'trino_millisecond',
  to_milliseconds: 'trino_to_milliseconds',
  // DuckDB's own functions under another name: lambdas stay arguments of a lambda function.
  transform: 'list_transform',
  format: 'printf',
};

/** Trino functions some of whose forms the local engine lacks: the arities it gives. */
const FORMS: Record<string, { arities: number[]; lacking: string }> = {
  approx_percentile: { arities: [2], lacking: 'approx_percentile with weights or an accuracy' },
};

/**
 * Trino's functions (trino.io/docs/current/functions/list.html) that neither DuckDB nor the
 * macros here give. A call to one fails by name instead of with DuckDB's "does not exist".
 */
const UNAVAILABLE = new Set(
  `all_match any_match approx_most_frequent approx_set array_except array_histogram
  array_remove array_union arrays_overlap beta_cdf bing_tile bing_tile_at bing_tile_coordinates
  bing_tile_polygon bing_tile_quadkey bing_tile_zoom_level bing_tiles_around bitwise_and bitwise_and_agg
  bitwise_left_shift bitwise_not bitwise_or bitwise_or_agg bitwise_right_shift bitwise_right_shift_arithmetic
  bitwise_xor char2hexint checksum classify color combinations contains_sequence convex_hull_agg
  cosine_distance cosine_similarity crc32 current_groups current_timezone element empty_approx_set
  evaluate_classifier_predictions exclude_columns features format_number from_base from_base32
  from_base64url from_big_endian_32 from_big_endian_64 from_encoded_polyline from_geojson_geometry
  from_ieee754_32 from_ieee754_64 from_iso8601_timestamp_nanos from_unixtime_nanos fusion
  geometry_collect_agg geometry_from_hadoop_shape geometry_invalid_reason geometry_nearest_points
  geometry_to_bing_tiles geometry_union geometry_union_agg great_circle_distance hash_counts hmac_md5
  hmac_sha1 hmac_sha256 hmac_sha512 human_readable_seconds index intersection intersection_cardinality
  inverse_beta_cdf inverse_normal_cdf jaccard_index json_array_contains json_array_get json_query
  json_scalar json_serialize json_size learn_classifier learn_libsvm_classifier learn_libsvm_regressor
  learn_regressor line_interpolate_point line_interpolate_points line_locate_point luhn_check
  make_set_digest map_agg map_filter map_union map_zip_with merge merge_set_digest multimap_agg
  multimap_from_entries murmur3 ngrams none_match normal_cdf normalize numeric_histogram objectid
  objectid_timestamp parse_data_size parse_duration qdigest_agg reduce_agg regexp_position
  regress render rgb sha512 shuffle simplify_geometry soundex spatial_partitioning
  spatial_partitions split_to_map split_to_multimap spooky_hash_v2_32 spooky_hash_v2_64 tdigest_agg
  theta_sketch_cardinality theta_sketch_union timestamp_objectid title_case to_base32 to_base64url
  to_big_endian_32 to_big_endian_64 to_char to_date to_encoded_polyline to_geojson_geometry to_geometry
  to_ieee754_32 to_ieee754_64 to_iso8601 to_spherical_geography transform_keys transform_values
  url_extract_fragment url_extract_host url_extract_parameter url_extract_path url_extract_port
  url_extract_protocol url_extract_query value_at_quantile values_at_quantiles width_bucket
  wilson_interval_lower wilson_interval_upper word_stem xxhash64 zip zip_with`.split(/\s+/),
);

/**
 * Aggregates given as macros. DuckDB takes no FILTER clause on a macro, so
 * `f(x, ...) FILTER (WHERE c)` becomes `f(CASE WHEN c THEN x END, ...)`: the same rows count.
 */
const AGGREGATE_MACROS = new Set(['approx_distinct', 'approx_percentile', 'every']);

/** Words after which a name followed by `(` is a relation or an alias with columns, not a call. */
const NAME_POSITIONS = new Set(['INTO', 'TABLE', 'VIEW', 'EXISTS', 'FUNCTION', 'AS']);

// ---------------------------------------------------------------- macros

/** A SQL string literal. */
const str = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Trino's units for date_add/date_diff, as a DuckDB interval of `v` units. */
const INTERVAL_OF_UNIT = `CASE lower(unit)
  WHEN 'millisecond' THEN v * INTERVAL 1 MILLISECOND WHEN 'second' THEN v * INTERVAL 1 SECOND
  WHEN 'minute' THEN v * INTERVAL 1 MINUTE WHEN 'hour' THEN v * INTERVAL 1 HOUR
  WHEN 'day' THEN v * INTERVAL 1 DAY WHEN 'week' THEN v * INTERVAL 7 DAY
  WHEN 'month' THEN v * INTERVAL 1 MONTH WHEN 'quarter' THEN v * INTERVAL 3 MONTH
  WHEN 'year' THEN v * INTERVAL 1 YEAR
  ELSE error('''' || unit || ''' is not a valid TIMESTAMP field') END`;

/**
 * Joda-Time pattern letters (format_datetime) as strftime specifiers, by letter and by count
 * (`*` any other count). Zone letters print UTC's names: the local engine's session zone is UTC.
 */
const JODA: Record<string, Record<string, string | null>> = {
  y: { 2: '%y', '*': '%Y' },
  Y: { 2: '%y', '*': '%Y' },
  x: { 2: null, '*': '%G' },
  M: { 1: '%-m', 2: '%m', 3: '%b', '*': '%B' },
  d: { 1: '%-d', 2: '%d', '*': null },
  D: { 1: '%-j', 3: '%j', '*': null },
  H: { 1: '%-H', 2: '%H', '*': null },
  h: { 1: '%-I', 2: '%I', '*': null },
  m: { 1: '%-M', 2: '%M', '*': null },
  s: { 1: '%-S', 2: '%S', '*': null },
  S: { 3: '%g', 6: '%f', 9: '%n', '*': null },
  a: { '*': '%p' },
  E: { 1: '%a', 2: '%a', 3: '%a', '*': '%A' },
  e: { 1: '%u', '*': null },
  w: { 1: '%-V', 2: '%V', '*': null },
  G: { '*': 'AD' },
  z: { 1: 'UTC', 2: 'UTC', 3: 'UTC', '*': 'Coordinated Universal Time' },
  Z: { 1: '+0000', 2: '+00:00', '*': 'UTC' },
};

/** `%x` of MySQL's format (date_format, date_parse) as strftime/strptime specifiers; null: refused, as Trino refuses it. */
const MYSQL: Record<string, string | null> = {
  a: '%a', b: '%b', c: '%-m', d: '%d', e: '%-d', H: '%H', h: '%I', I: '%I', i: '%M', j: '%j', k: '%-H', l: '%-I',
  M: '%B', m: '%m', p: '%p', r: '%I:%M:%S %p', S: '%S', s: '%S', T: '%H:%M:%S', v: '%V', W: '%A', x: '%G',
  Y: '%Y', y: '%y', '%': '%%', D: null, U: null, u: null, V: null, w: null, X: null,
};

/** Trino prints %f from milliseconds (000000 .. 999000); it parses up to 9 digits. */
const MYSQL_FRACTION = { format: '%g000', parse: '%f' };

const JODA_TOKENS = new RegExp(`''|'(?:[^']|'')*'?|${Object.keys(JODA).map((l) => `${l}+`).join('|')}|[A-Za-z]|[^A-Za-z']+`, 'g');
const MYSQL_TOKENS = /%.|[^%]+|%/gs;

type Direction = 'format' | 'parse';

/** A format the local engine cannot read, with Trino's message where Trino refuses it too. */
class FormatError extends Error {}

/** The strftime/strptime format of a MySQL format string (date_format, date_parse). */
export function mysqlFormat(format: string, direction: Direction): string {
  return [...format.matchAll(MYSQL_TOKENS)]
    .map(([t]) => {
      if (t === '%f') return MYSQL_FRACTION[direction];
      if (t === '%') return '%%';
      if (!t.startsWith('%')) return t;
      const spec = MYSQL[t[1]!];
      if (spec === null) throw new FormatError(`${t} not supported in date format string`);
      // `%x` for any other x is x.
      return spec ?? t.slice(1);
    })
    .join('');
}

/** The strftime/strptime format of a Joda-Time pattern (format_datetime, parse_datetime). */
export function jodaFormat(pattern: string, direction: Direction): string {
  return [...pattern.matchAll(JODA_TOKENS)]
    .map(([t]) => {
      if (t === "''") return "'";
      if (t.startsWith("'")) return (t.length > 1 && t.endsWith("'") ? t.slice(1, -1) : t.slice(1)).replace(/''/g, "'").replace(/%/g, '%%');
      if (!/^[A-Za-z]/.test(t)) return t.replace(/%/g, '%%');
      // Parsing reads the zone from the text; formatting prints the session's, UTC.
      if (direction === 'parse' && (t[0] === 'Z' || t[0] === 'z')) return t[0] === 'Z' ? '%z' : '%Z';
      const widths = JODA[t[0]!];
      if (!widths) throw new FormatError(`Illegal pattern component: ${t}`);
      const spec = widths[t.length] ?? widths['*'];
      if (spec === null || spec === undefined) throw new FormatError(`the pattern ${t} is not available on the local engine`);
      return spec;
    })
    .join('');
}

/** Trino's JSON paths use `$["key"]`; DuckDB's `$."key"`. */
const JSON_PATH = `regexp_replace(p, '\\["((?:[^"\\\\]|\\\\.)*)"\\]', '."\\1"', 'g')`;

/** The k-th smallest of a group as Trino's approx_percentile picks it for small inputs (a t-digest of singletons). */
const PERCENTILE = (q: string) => `list_sort(list(x), 'ASC', 'NULLS LAST')[least(floor(${q} * count(x)), count(x) - 1)::BIGINT + 1]`;

/**
 * sequence(start, stop, step) as Trino computes it: start + i * step, each from the start (a
 * month after Jan 31 is Feb 29, two months Mar 31; DuckDB's generate_series adds step to the
 * previous value and drifts to Mar 29). generate_series bounds the count: its values are never
 * past Trino's.
 */
const STEPPED = `list_filter(list_transform(range(0, len(generate_series(a, b, step))), lambda trino_i: a + trino_i * step), lambda trino_v: CASE WHEN a <= b THEN trino_v <= b ELSE trino_v >= b END)`;

/** [name, [parameters, body][]]: one macro, with one overload per entry (chosen by arity, then by parameter type). */
const MACROS: [string, [string, string][]][] = [
  // ---- helpers
  ['trino_interval', [['unit, v', INTERVAL_OF_UNIT]]],
  ['trino_json_path', [['p', JSON_PATH]]],

  // ---- date and time
  [
    'trino_date_add',
    [
      ['unit, v, x DATE', `CASE WHEN lower(unit) IN ('millisecond', 'second', 'minute', 'hour') THEN error('''' || unit || ''' is not a valid DATE field') ELSE CAST(x + trino_interval(unit, v) AS DATE) END`],
      ['unit, v, x', 'x + trino_interval(unit, v)'],
    ],
  ],
  // DuckDB's date_sub counts whole units elapsed, with Joda's end-of-month rule, as Trino does
  // (DuckDB's date_diff counts unit boundaries crossed instead).
  ['trino_date_diff', [['unit, a, b', 'date_sub(unit, a, b)']]],
  [
    'trino_date_trunc',
    [
      ['unit, x DATE', 'CAST(date_trunc(unit, x) AS DATE)'],
      ['unit, x', 'date_trunc(unit, x)'],
    ],
  ],
  ['from_iso8601_timestamp', [['s', 'CAST(s AS TIMESTAMPTZ)']]],
  // Text without an offset is a wall-clock time in the session's zone (given by the rewrite).
  ['trino_from_iso8601_timestamp', [['s, zone', `CASE WHEN regexp_matches(s, '[T ]\\d{1,2}(:\\d{2}){0,2}([.,]\\d+)?\\s*(Z|[+-]\\d{2}(:?\\d{2})?)$') THEN CAST(s AS TIMESTAMPTZ) ELSE timezone(zone, CAST(s AS TIMESTAMP)) END`]]],
  ['from_iso8601_date', [['s', 'CAST(s AS DATE)']]],
  ['to_unixtime', [['x', 'epoch(CAST(x AS TIMESTAMPTZ))']]],
  [
    'from_unixtime',
    [
      ['x', 'to_timestamp(x)'],
      // The zone only names how Trino prints the instant; DuckDB's TIMESTAMPTZ keeps no zone.
      ['x, zone', 'to_timestamp(x)'],
      ['x, hours, minutes', 'to_timestamp(x)'],
    ],
  ],
  ['with_timezone', [['x, zone', 'timezone(zone, CAST(x AS TIMESTAMP))']]],
  ['at_timezone', [['x, zone', 'CAST(x AS TIMESTAMPTZ)']]],
  ['day_of_week', [['x', 'isodow(x)']]],
  ['dow', [['x', 'isodow(x)']]],
  ['day_of_month', [['x', 'day(x)']]],
  ['day_of_year', [['x', 'dayofyear(x)']]],
  ['doy', [['x', 'dayofyear(x)']]],
  ['week_of_year', [['x', 'week(x)']]],
  ['year_of_week', [['x', 'isoyear(x)']]],
  ['yow', [['x', 'isoyear(x)']]],
  ['last_day_of_month', [['x', 'last_day(x)']]],
  ['trino_millisecond', [['x', 'millisecond(x) % 1000']]],
  ['trino_to_milliseconds', [['i', 'CAST(round(epoch(i) * 1000) AS BIGINT)']]],

  // ---- aggregates
  // Exact: Trino's estimate of a small set is exact, DuckDB's HyperLogLog is not (11 for 1..10).
  [
    'approx_distinct',
    [
      ['x', 'count(DISTINCT x)'],
      ['x, e', 'count(DISTINCT x)'],
    ],
  ],
  [
    'approx_percentile',
    [
      ['x, p DOUBLE[]', `CASE WHEN count(x) = 0 THEN NULL ELSE list_transform(p, lambda trino_q: ${PERCENTILE('trino_q')}) END`],
      ['x, p DOUBLE', `CASE WHEN p < 0 OR p > 1 THEN error('Percentile must be between 0 and 1') ELSE ${PERCENTILE('p')} END`],
    ],
  ],

  // ---- JSON (Trino answers NULL for text that is not JSON)
  ['json_extract_scalar', [['j, p', `CASE WHEN json_valid(j) THEN (CASE WHEN json_type(json_extract(j, trino_json_path(p))) IN ('OBJECT', 'ARRAY') THEN NULL ELSE json_extract_string(j, trino_json_path(p)) END) END`]]],
  ['trino_json_extract', [['j, p', 'CASE WHEN json_valid(j) THEN CAST(json_extract(j, trino_json_path(p)) AS JSON) END']]],
  ['json_parse', [['s', 'json(s)']]],
  ['json_format', [['j', 'CAST(j AS VARCHAR)']]],
  ['is_json_scalar', [['j', `json_type(j) NOT IN ('OBJECT', 'ARRAY')`]]],

  // ---- regular expressions (Trino's replace all matches and name groups $1; RE2's \1)
  ['regexp_like', [['s, p', 'regexp_matches(s, p)']]],
  [
    'trino_regexp_extract',
    [
      ['s, p', 'CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p) END'],
      ['s, p, g', 'CASE WHEN regexp_matches(s, p) THEN regexp_extract(s, p, g) END'],
    ],
  ],
  [
    'trino_regexp_replace',
    [
      ['s, p', `regexp_replace(s, p, '', 'g')`],
      ['s, p, r', `regexp_replace(s, p, regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')`],
    ],
  ],
  ['regexp_split', [['s, p', 'regexp_split_to_array(s, p)']]],
  ['regexp_count', [['s, p', 'len(regexp_extract_all(s, p))']]],

  // ---- arrays and maps
  // DuckDB has no function that counts both lists and maps; JSON counts either.
  ['trino_cardinality', [['x', `CAST(CASE json_type(to_json(x)) WHEN 'ARRAY' THEN json_array_length(to_json(x)) ELSE len(json_keys(to_json(x))) END AS BIGINT)`]]],
  // x[i]: 1-based, negative from the end, NULL out of range; a map's value, NULL for a missing key.
  ['trino_element_at', [['x, i', 'x[i]']]],
  ['trino_contains', [['a, x', 'CASE WHEN a IS NULL THEN NULL WHEN list_contains(a, x) THEN true WHEN x IS NULL OR list_count(a) < len(a) THEN NULL ELSE false END']]],
  [
    'trino_split',
    [
      ['s, d', 'string_split(s, d)'],
      [
        's, d, n',
        `CASE WHEN s IS NULL OR d IS NULL OR n IS NULL THEN NULL WHEN n <= 0 THEN error('Limit must be positive')
          WHEN len(string_split(s, d)) <= n THEN string_split(s, d)
          ELSE list_append(string_split(s, d)[1:n - 1], array_to_string(string_split(s, d)[n:], d)) END`,
      ],
    ],
  ],
  [
    'array_join',
    [
      ['a, d', 'array_to_string(a, d)'],
      ['a, d, r', 'array_to_string(list_transform(a, lambda trino_e: coalesce(CAST(trino_e AS VARCHAR), r)), d)'],
    ],
  ],
  [
    'sequence',
    [
      ['a DATE, b DATE', 'CAST(generate_series(a, b, CASE WHEN a <= b THEN INTERVAL 1 DAY ELSE -INTERVAL 1 DAY END) AS DATE[])'],
      ['a DATE, b DATE, step', `CAST(${STEPPED} AS DATE[])`],
      ['a, b', 'generate_series(a, b, CASE WHEN a <= b THEN 1 ELSE -1 END)'],
      ['a, b, step', STEPPED],
    ],
  ],
  ['trino_array_position', [['a, x', 'CASE WHEN a IS NULL OR x IS NULL THEN NULL ELSE coalesce(list_position(a, x), 0) END']]],
  ['array_max', [['a', 'CASE WHEN list_count(a) < len(a) THEN NULL ELSE list_max(a) END']]],
  ['array_min', [['a', 'CASE WHEN list_count(a) < len(a) THEN NULL ELSE list_min(a) END']]],
  ['array_first', [['a', 'a[1]']]],
  ['array_last', [['a', 'a[-1]']]],
  ['trim_array', [['a, n', `CASE WHEN n < 0 OR n > len(a) THEN error('size must not be negative or exceed the array length') ELSE a[1:len(a) - n] END`]]],
  // A negative start counts from the end; the length is a count of elements, not an end.
  [
    'slice',
    [
      [
        'a, start, length',
        `CASE WHEN start = 0 THEN error('SQL array indices start at 1') WHEN length < 0 THEN error('length must be greater than or equal to 0')
          WHEN start > 0 THEN a[start:start + length - 1] WHEN len(a) + start < 0 THEN [] ELSE a[len(a) + start + 1:len(a) + start + length] END`,
      ],
    ],
  ],

  // ---- conditional
  [
    'trino_if',
    [
      ['c, a', 'CASE WHEN c THEN a END'],
      ['c, a, b', 'CASE WHEN c THEN a ELSE b END'],
    ],
  ],

  // ---- math and strings under DuckDB's names
  ['date', [['x', 'CAST(x AS DATE)']]],
  ['truncate', [['x', 'trunc(x)'], ['x, n', 'trunc(x, n)']]],
  [
    'rand',
    [
      ['', 'random()'],
      ['n', 'CAST(floor(random() * n) AS BIGINT)'],
      ['m, n', 'm + CAST(floor(random() * (n - m)) AS BIGINT)'],
    ],
  ],
  ['e', [['', 'exp(1)']]],
  ['every', [['x', 'bool_and(x)']]],
  ['is_nan', [['x', 'isnan(x)']]],
  ['is_finite', [['x', 'isfinite(x)']]],
  ['is_infinite', [['x', 'isinf(x)']]],
  ['infinity', [['', `CAST('Infinity' AS DOUBLE)`]]],
  ['nan', [['', `CAST('NaN' AS DOUBLE)`]]],
  ['levenshtein_distance', [['a, b', 'levenshtein(a, b)']]],
  ['hamming_distance', [['a, b', 'hamming(a, b)']]],
  ['codepoint', [['c', 'unicode(c)']]],
  ['to_utf8', [['s', 'encode(s)']]],
  ['from_utf8', [['b', 'decode(b)']]],
];

/** The CREATE MACRO statements, in dependency order (helpers first). */
export function trinoFunctionSql(): string[] {
  return MACROS.map(([name, overloads]) => `CREATE OR REPLACE MACRO ${name}${overloads.map(([params, body]) => `(${params}) AS ${body}`).join(', ')}`);
}

/** The names of the macros, for checks. */
export function trinoMacroNames(): string[] {
  return MACROS.map(([name]) => name);
}

/**
 * Creates the macros on `connection`'s instance (persistent in its default catalog, so every
 * connection sees them). Once per instance, before the instance takes queries.
 */
export async function installTrinoFunctions(connection: DuckDBConnection): Promise<void> {
  for (const statement of trinoFunctionSql()) await connection.run(statement);
}

// ---------------------------------------------------------------- rewrite

const isSymbol = (t: Token | undefined, text: string) => t?.kind === 'symbol' && t.text === text;
const isWord = (t: Token | undefined, upper: string) => t?.kind === 'word' && t.upper === upper;

/**
 * Date formatting and parsing, rewritten to strftime/strptime with the format translated from
 * its literal: both need a constant format, which a macro cannot pass on.
 */
const FORMATTERS: Record<string, { translate: (format: string) => string; before: string; after: string }> = {
  format_datetime: { translate: (f) => jodaFormat(f, 'format'), before: 'strftime', after: '' },
  date_format: { translate: (f) => mysqlFormat(f, 'format'), before: 'strftime', after: '' },
  date_parse: { translate: (f) => mysqlFormat(f, 'parse'), before: 'strptime', after: '' },
  parse_datetime: { translate: (f) => jodaFormat(f, 'parse'), before: 'CAST(strptime', after: ' AS TIMESTAMPTZ)' },
};

/** Index of the bracket closing the one at `open`, or undefined when it is not closed. */
function closing(tokens: Token[], open: number): number | undefined {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'symbol') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return undefined;
}

/** The arguments of the call whose brackets are at `open` and `close`, as [first, last] token indexes. */
function argumentsOf(tokens: Token[], open: number, close: number): [number, number][] {
  if (close === open + 1) return [];
  const found: [number, number][] = [];
  let depth = 0;
  let first = open + 1;
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'symbol') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (t.text === ',' && depth === 0) {
      found.push([first, i - 1]);
      first = i + 1;
    }
  }
  found.push([first, close - 1]);
  return found;
}

/**
 * A replacement of sql[start, end). Insertions at one place go by rank: an outer bracket opens
 * before (rank -1) and closes after (rank 1) what is inserted there for an inner one.
 */
interface Edit {
  start: number;
  end: number;
  text: string;
  rank?: number;
}

/** Words that end a VALUES list at its own level. */
const AFTER_VALUES = new Set(['ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'INTERSECT', 'WINDOW']);

/**
 * Trino's `VALUES 1, 2` holds two rows of one column; DuckDB reads a row only in brackets.
 * Each row of the list starting at `first` that is not bracketed gets brackets; `ROW(...)`
 * loses its keyword.
 */
function valuesRows(tokens: Token[], first: number): Edit[] {
  const edits: Edit[] = [];
  let itemStart = first;
  let depth = 0;
  const finish = (last: number) => {
    if (last < itemStart) return;
    const open = tokens[itemStart]!;
    if (isSymbol(open, '(') && closing(tokens, itemStart) === last) return;
    if (isWord(open, 'ROW') && isSymbol(tokens[itemStart + 1], '(') && closing(tokens, itemStart + 1) === last) {
      edits.push({ start: open.start, end: tokens[itemStart + 1]!.start, text: '' });
      return;
    }
    edits.push({ start: open.start, end: open.start, text: '(', rank: -1 });
    edits.push({ start: tokens[last]!.end, end: tokens[last]!.end, text: ')', rank: 1 });
  };
  let i = first;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'symbol' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.kind === 'symbol' && (t.text === ')' || t.text === ']')) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && ((t.kind === 'symbol' && t.text === ';') || (t.kind === 'word' && AFTER_VALUES.has(t.upper)))) {
      break;
    } else if (depth === 0 && isSymbol(t, ',')) {
      finish(i - 1);
      itemStart = i + 1;
    }
  }
  finish(i - 1);
  return edits;
}

/** Whether a Trino timestamp literal's text ends with a time zone (`... UTC`, `... +02:00`). */
export function hasTimeZone(literal: string): boolean {
  const match = /^\s*[-+]?\d{4,}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?\s*(.*?)\s*$/.exec(literal);
  return match !== null && match[1] !== '';
}

function failure(sql: string, token: Token, name: 'NOT_SUPPORTED' | 'INVALID_FUNCTION_ARGUMENT', message: string): QueryFailure {
  return QueryFailure.of(name, message, locate(sql, token.start));
}

/**
 * The statement with Trino's calls renamed to the local engine's macros, parse functions
 * rewritten to strptime, timestamp literals with a zone read as TIMESTAMPTZ, and
 * `timestamp(p) with time zone` as TIMESTAMPTZ (DuckDB's takes no precision). Throws
 * QueryFailure NOT_SUPPORTED for a Trino function, or a form of one, the local engine lacks;
 * LexError when the text does not tokenize.
 */
export function rewriteTrinoCalls(sql: string, options: { timeZone?: string } = {}): string {
  const tokens = tokenize(sql);
  const edits: Edit[] = [];
  /** FILTER clauses moved into their aggregate's argument: token index -> last index, skipped. */
  const moved = new Map<number, number>();
  for (let i = 0; i < tokens.length; i++) {
    const skipTo = moved.get(i);
    if (skipTo !== undefined) {
      i = skipTo;
      continue;
    }
    const t = tokens[i]!;
    if (t.kind !== 'word' || isSymbol(tokens[i - 1], '.')) continue;
    const next = tokens[i + 1];
    if (t.upper === 'TIMESTAMP') {
      if (next?.kind === 'string' && sql[next.start] === "'" && hasTimeZone(next.text)) {
        edits.push({ start: t.start, end: t.end, text: 'TIMESTAMPTZ' });
        // DuckDB reads an offset or Z only when no space precedes it.
        const joined = next.text.replace(/\s+(?=(?:[+-]\d{1,2}(?::?\d{2})?|Z)\s*$)/, '');
        if (joined !== next.text) edits.push({ start: next.start, end: next.end, text: str(joined) });
      } else if (isSymbol(next, '(') && tokens[i + 2]?.kind === 'number' && isSymbol(tokens[i + 3], ')') && isWord(tokens[i + 4], 'WITH') && isWord(tokens[i + 5], 'TIME') && isWord(tokens[i + 6], 'ZONE')) {
        edits.push({ start: t.start, end: tokens[i + 6]!.end, text: 'TIMESTAMPTZ' });
        i += 6;
      }
      continue;
    }
    if (t.upper === 'VALUES') {
      edits.push(...valuesRows(tokens, i + 1));
      continue;
    }
    if (!isSymbol(next, '(')) continue;
    if (t.upper === 'ARRAY') {
      // The type ARRAY(T) (the constructor is ARRAY[...]) is T[] in DuckDB.
      const end = closing(tokens, i + 1);
      if (end !== undefined) {
        edits.push({ start: t.start, end: next!.end, text: '' });
        edits.push({ start: tokens[end]!.start, end: tokens[end]!.end, text: '[]' });
      }
      continue;
    }
    const name = t.text.toLowerCase();
    const zone = options.timeZone;
    if (zone !== undefined && (name === 'current_timezone' || name === 'from_iso8601_timestamp') && !(tokens[i - 1]?.kind === 'word' && NAME_POSITIONS.has(tokens[i - 1]!.upper))) {
      const close = closing(tokens, i + 1);
      if (close !== undefined && name === 'current_timezone' && close === i + 2) {
        edits.push({ start: t.start, end: tokens[close]!.end, text: str(zone) });
        i = close;
        continue;
      }
      if (close !== undefined && name === 'from_iso8601_timestamp' && argumentsOf(tokens, i + 1, close).length === 1) {
        edits.push({ start: t.start, end: t.end, text: 'trino_from_iso8601_timestamp' });
        edits.push({ start: tokens[close]!.start, end: tokens[close]!.start, text: `, ${str(zone)}`, rank: 1 });
        continue;
      }
    }
    const renamed = RENAMED[name];
    const form = FORMS[name];
    const parser = FORMATTERS[name];
    const aggregate = AGGREGATE_MACROS.has(name);
    if (renamed === undefined && form === undefined && parser === undefined && !aggregate && !UNAVAILABLE.has(name)) continue;
    const previous = tokens[i - 1];
    if (previous?.kind === 'word' && NAME_POSITIONS.has(previous.upper)) continue;
    const close = closing(tokens, i + 1);
    // Unbalanced: DuckDB reports the syntax error.
    if (close === undefined) continue;
    // `WITH name (a, b) AS (...)`: a WITH query's column list.
    if (isWord(tokens[close + 1], 'AS') && isSymbol(tokens[close + 2], '(')) continue;
    if (UNAVAILABLE.has(name)) throw failure(sql, t, 'NOT_SUPPORTED', `function ${name} is not available on the local engine`);
    const args = argumentsOf(tokens, i + 1, close);
    if (form && !form.arities.includes(args.length)) throw failure(sql, t, 'NOT_SUPPORTED', `${form.lacking} is not available on the local engine`);
    if (parser) {
      const format = args.length === 2 && args[1]![0] === args[1]![1] ? tokens[args[1]![0]]! : undefined;
      if (!format || format.kind !== 'string' || sql[format.start] !== "'") {
        throw failure(sql, t, 'NOT_SUPPORTED', `${name} with a format that is not a string literal is not available on the local engine`);
      }
      let translated: string;
      try {
        translated = parser.translate(format.text);
      } catch (error) {
        if (error instanceof FormatError) throw failure(sql, format, 'INVALID_FUNCTION_ARGUMENT', `${name}: ${error.message}`);
        throw error;
      }
      edits.push({ start: t.start, end: t.end, text: parser.before });
      edits.push({ start: format.start, end: format.end, text: str(translated) });
      if (parser.after) edits.push({ start: tokens[close]!.end, end: tokens[close]!.end, text: parser.after });
    }
    if (aggregate && args.length > 0 && isWord(tokens[close + 1], 'FILTER') && isSymbol(tokens[close + 2], '(') && isWord(tokens[close + 3], 'WHERE')) {
      const filterClose = closing(tokens, close + 2);
      if (filterClose !== undefined && filterClose > close + 4) {
        const condition = rewriteTrinoCalls(sql.slice(tokens[close + 4]!.start, tokens[filterClose - 1]!.end));
        const [first, last] = args[0]!;
        edits.push({ start: tokens[first]!.start, end: tokens[first]!.start, text: `CASE WHEN (${condition}) THEN `, rank: -1 });
        edits.push({ start: tokens[last]!.end, end: tokens[last]!.end, text: ' END', rank: 1 });
        edits.push({ start: tokens[close]!.end, end: tokens[filterClose]!.end, text: '' });
        moved.set(close + 1, filterClose);
      }
    }
    if (renamed !== undefined) edits.push({ start: t.start, end: t.end, text: renamed });
  }
  edits.sort((a, b) => a.start - b.start || (a.rank ?? 0) - (b.rank ?? 0));
  let out = '';
  let last = 0;
  for (const edit of edits) {
    out += sql.slice(last, edit.start) + edit.text;
    last = edit.end;
  }
  return out + sql.slice(last);
}

/** Words that end the outer query's select list. */
const AFTER_SELECT_LIST = new Set(['FROM', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'EXCEPT', 'INTERSECT', 'INTO']);

/** The zone a timestamp literal's text names, as Trino prints it (`UTC`, `+02:00`, `America/New_York`). */
export function literalZone(literal: string): string | undefined {
  const match = /^\s*[-+]?\d{4,}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{1,2}(?::\d{1,2}(?:\.\d+)?)?)?\s*(.*?)\s*$/.exec(literal);
  const zone = match?.[1];
  if (!zone) return undefined;
  if (/^(Z|UTC|GMT|UT|Zulu)$/i.test(zone)) return 'UTC';
  const offset = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(zone);
  if (offset) return offset[2] === '0' || (Number(offset[2]) === 0 && Number(offset[3] ?? 0) === 0) ? 'UTC' : `${offset[1]}${offset[2]!.padStart(2, '0')}:${offset[3] ?? '00'}`;
  return zone;
}

/**
 * The zone each column of the outer query names by its own expression, where Trino's value
 * carries a zone of its own: a literal `TIMESTAMP '... zone'`, `at_timezone(x, 'zone')`,
 * `with_timezone(x, 'zone')`, `from_unixtime(x, 'zone')`, `from_iso8601_timestamp('...+02:00')`. DuckDB's TIMESTAMPTZ keeps no zone per
 * value, so the engine prints these columns in that zone and every other one in the session's.
 * Only the outer select list of a single query is read, up to a `*` (whose columns it cannot
 * count); anything else (a zone carried through a subquery, a CASE, a set operation) prints in the
 * session's zone.
 */
export function literalColumnZones(sql: string): (string | undefined)[] {
  let tokens: Token[];
  try {
    tokens = tokenize(sql);
  } catch {
    return [];
  }
  let depth = 0;
  let start = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isSymbol(t, '(') || isSymbol(t, '[')) depth++;
    else if (isSymbol(t, ')') || isSymbol(t, ']')) depth--;
    else if (depth === 0 && t.kind === 'word' && (t.upper === 'UNION' || t.upper === 'EXCEPT' || t.upper === 'INTERSECT')) return [];
    else if (depth === 0 && start < 0 && isWord(t, 'SELECT')) start = i + 1;
  }
  if (start < 0) return [];
  if (isWord(tokens[start], 'DISTINCT') || isWord(tokens[start], 'ALL')) start++;
  const items: Token[][] = [];
  let item: Token[] = [];
  depth = 0;
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (depth === 0 && (isSymbol(t, ';') || (t.kind === 'word' && AFTER_SELECT_LIST.has(t.upper)))) break;
    if (isSymbol(t, '(') || isSymbol(t, '[')) depth++;
    else if (isSymbol(t, ')') || isSymbol(t, ']')) depth--;
    if (depth === 0 && isSymbol(t, ',')) {
      items.push(item);
      item = [];
    } else item.push(t);
  }
  items.push(item);
  const zones: (string | undefined)[] = [];
  for (const tokensOfItem of items) {
    if (tokensOfItem.some((t, i) => isSymbol(t, '*') && (i === 0 || isSymbol(tokensOfItem[i - 1], '.')))) break;
    zones.push(zoneOfItem(tokensOfItem));
  }
  return zones;
}

/** The zone of one select item's expression (its alias aside), when it names one. */
function zoneOfItem(item: Token[]): string | undefined {
  let expression = item;
  if (expression.length >= 2 && expression.at(-1)!.kind !== 'symbol' && expression.at(-1)!.kind !== 'string') {
    // `expr AS alias` or `expr alias`.
    expression = isWord(expression.at(-2), 'AS') ? expression.slice(0, -2) : expression.length > 2 ? expression.slice(0, -1) : expression;
  }
  const [first, second] = expression;
  if (expression.length === 2 && isWord(first, 'TIMESTAMP') && second?.kind === 'string') return literalZone(second.text);
  if (first?.kind === 'word' && ['AT_TIMEZONE', 'WITH_TIMEZONE', 'FROM_UNIXTIME'].includes(first.upper) && isSymbol(second, '(') && closing(expression, 1) === expression.length - 1) {
    const args = argumentsOf(expression, 1, expression.length - 1);
    const zone = args.length === 2 && args[1]![0] === args[1]![1] ? expression[args[1]![0]] : undefined;
    if (zone?.kind === 'string') return literalZone(`2000-01-01 00:00 ${zone.text}`);
  }
  // from_iso8601_timestamp('...+02:00') keeps the text's offset; without one, the session's zone.
  if (isWord(first, 'FROM_ISO8601_TIMESTAMP') && isSymbol(second, '(') && expression.length === 4 && expression[2]!.kind === 'string' && isSymbol(expression[3], ')')) {
    return literalZone(expression[2]!.text);
  }
  return undefined;
}
