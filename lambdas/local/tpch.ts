/**
 * A TPC-H-shaped sample data set at the sizes of Trino's `tpch.tiny` (scale factor 0.01), built
 * in SQL inside DuckDB at start-up: no download, no extension. Values are deterministic
 * (derived from hashes of the row numbers), so tests can rely on counts and keys.
 */
const NATIONS: [string, number][] = [
  ['ALGERIA', 0], ['ARGENTINA', 1], ['BRAZIL', 1], ['CANADA', 1], ['EGYPT', 4], ['ETHIOPIA', 0], ['FRANCE', 3], ['GERMANY', 3],
  ['INDIA', 2], ['INDONESIA', 2], ['IRAN', 4], ['IRAQ', 4], ['JAPAN', 2], ['JORDAN', 4], ['KENYA', 0], ['MOROCCO', 0],
  ['MOZAMBIQUE', 0], ['PERU', 1], ['CHINA', 2], ['ROMANIA', 3], ['SAUDI ARABIA', 4], ['VIETNAM', 2], ['RUSSIA', 3],
  ['UNITED KINGDOM', 3], ['UNITED STATES', 1],
];
const REGIONS = ['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST'];

export const TPCH_TINY_SIZES = { region: 5, nation: 25, supplier: 100, customer: 1500, part: 2000, partsupp: 8000, orders: 15000 } as const;

/** Picks deterministically from a SQL array literal using a hash of the given expression. */
const pick = (list: string[], expr: string) => `[${list.map((s) => `'${s}'`).join(', ')}][1 + (hash(${expr}) % ${list.length})::INTEGER]`;
const between = (lo: number, hi: number, expr: string) => `(${lo} + (hash(${expr}) % ${hi - lo + 1})::BIGINT)`;
const money = (lo: number, hi: number, expr: string) => `round(${lo} + (hash(${expr}) % ${(hi - lo) * 100})::DOUBLE / 100, 2)`;
const words = ['carefully', 'final', 'deposits', 'furiously', 'regular', 'accounts', 'quickly', 'ironic', 'packages', 'blithely', 'express', 'pending', 'requests', 'slyly', 'even', 'bold', 'theodolites'];
const comment = (expr: string) => `${pick(words, `${expr} * 7 + 1`)} || ' ' || ${pick(words, `${expr} * 11 + 2`)} || ' ' || ${pick(words, `${expr} * 13 + 3`)}`;

export function tpchTinySql(schema = 'tpch.tiny'): string[] {
  const s = schema;
  const n = TPCH_TINY_SIZES;
  return [
    `CREATE TABLE ${s}.region AS SELECT i::BIGINT AS r_regionkey, r.name::VARCHAR AS r_name, ${comment('i')}::VARCHAR AS r_comment
       FROM (SELECT unnest(range(5)) AS i) JOIN (SELECT unnest([${REGIONS.map((r) => `'${r}'`).join(', ')}]) AS name, unnest(range(5)) AS k) r ON r.k = i`,
    `CREATE TABLE ${s}.nation AS SELECT k::BIGINT AS n_nationkey, name::VARCHAR AS n_name, region::BIGINT AS n_regionkey, ${comment('k + 100')}::VARCHAR AS n_comment
       FROM (SELECT unnest([${NATIONS.map(([name]) => `'${name}'`).join(', ')}]) AS name, unnest([${NATIONS.map(([, r]) => r).join(', ')}]) AS region, unnest(range(25)) AS k)`,
    `CREATE TABLE ${s}.supplier AS SELECT i::BIGINT AS s_suppkey, 'Supplier#' || lpad(i::VARCHAR, 9, '0') AS s_name,
       md5(i::VARCHAR)[1:15] AS s_address, (hash(i * 3) % 25)::BIGINT AS s_nationkey,
       lpad(((hash(i * 3) % 25) + 10)::VARCHAR, 2, '0') || '-' || ${between(100, 999, 'i * 5')}::VARCHAR || '-' || ${between(100, 999, 'i * 7')}::VARCHAR || '-' || ${between(1000, 9999, 'i * 9')}::VARCHAR AS s_phone,
       ${money(-999, 9999, 'i * 17')} AS s_acctbal, ${comment('i + 1000')}::VARCHAR AS s_comment
       FROM range(1, ${n.supplier + 1}) t(i)`,
    `CREATE TABLE ${s}.customer AS SELECT i::BIGINT AS c_custkey, 'Customer#' || lpad(i::VARCHAR, 9, '0') AS c_name,
       md5((i * 31)::VARCHAR)[1:20] AS c_address, (hash(i * 19) % 25)::BIGINT AS c_nationkey,
       lpad(((hash(i * 19) % 25) + 10)::VARCHAR, 2, '0') || '-' || ${between(100, 999, 'i * 23')}::VARCHAR || '-' || ${between(100, 999, 'i * 29')}::VARCHAR || '-' || ${between(1000, 9999, 'i * 37')}::VARCHAR AS c_phone,
       ${money(-999, 9999, 'i * 41')} AS c_acctbal, ${pick(['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'], 'i * 43')} AS c_mktsegment,
       ${comment('i + 2000')}::VARCHAR AS c_comment
       FROM range(1, ${n.customer + 1}) t(i)`,
    `CREATE TABLE ${s}.part AS SELECT i::BIGINT AS p_partkey,
       ${pick(['almond', 'antique', 'aquamarine', 'azure', 'beige', 'bisque', 'black', 'blanched', 'blue', 'blush', 'brown', 'burlywood'], 'i * 47')} || ' ' || ${pick(['chartreuse', 'chiffon', 'chocolate', 'coral', 'cornflower', 'cornsilk', 'cream', 'cyan', 'dark', 'deep'], 'i * 53')} AS p_name,
       'Manufacturer#' || (1 + hash(i * 59) % 5)::VARCHAR AS p_mfgr,
       'Brand#' || (1 + hash(i * 59) % 5)::VARCHAR || (1 + hash(i * 61) % 5)::VARCHAR AS p_brand,
       ${pick(['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'], 'i * 67')} || ' ' || ${pick(['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'], 'i * 71')} || ' ' || ${pick(['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'], 'i * 73')} AS p_type,
       ${between(1, 50, 'i * 79')}::INTEGER AS p_size,
       ${pick(['SM', 'LG', 'MED', 'JUMBO', 'WRAP'], 'i * 83')} || ' ' || ${pick(['CASE', 'BOX', 'BAG', 'JAR', 'PKG', 'PACK', 'CAN', 'DRUM'], 'i * 89')} AS p_container,
       round((90000 + ((i / 10) % 20001) + 100 * (i % 1000)) / 100.0, 2)::DOUBLE AS p_retailprice,
       ${comment('i + 3000')}::VARCHAR AS p_comment
       FROM range(1, ${n.part + 1}) t(i)`,
    `CREATE TABLE ${s}.partsupp AS SELECT p::BIGINT AS ps_partkey, (1 + ((p + j * (${n.supplier} / 4 + (p - 1) / ${n.supplier})) % ${n.supplier}))::BIGINT AS ps_suppkey,
       ${between(1, 9999, 'p * 97 + j')}::INTEGER AS ps_availqty, ${money(1, 1000, 'p * 101 + j')} AS ps_supplycost, ${comment('p * 4 + j')}::VARCHAR AS ps_comment
       FROM range(1, ${n.part + 1}) a(p), range(0, 4) b(j)`,
    `CREATE TABLE ${s}.orders AS SELECT (i + (i - 1) / 8 * 24)::BIGINT AS o_orderkey,
       (1 + (hash(i * 103) % ${n.customer}))::BIGINT AS o_custkey,
       ${pick(['F', 'O', 'P'], 'i * 107')} AS o_orderstatus,
       ${money(850, 500000, 'i * 109')} AS o_totalprice,
       (DATE '1992-01-01' + (hash(i * 113) % 2405)::INTEGER) AS o_orderdate,
       ${pick(['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW'], 'i * 127')} AS o_orderpriority,
       'Clerk#' || lpad((1 + hash(i * 131) % 10)::VARCHAR, 9, '0') AS o_clerk,
       0::INTEGER AS o_shippriority, ${comment('i + 4000')}::VARCHAR AS o_comment
       FROM range(1, ${n.orders + 1}) t(i)`,
    `CREATE TABLE ${s}.lineitem AS SELECT o.o_orderkey AS l_orderkey,
       (1 + hash(o.o_orderkey * 137 + l) % ${n.part})::BIGINT AS l_partkey,
       (1 + hash(o.o_orderkey * 139 + l) % ${n.supplier})::BIGINT AS l_suppkey,
       l::INTEGER AS l_linenumber,
       ${between(1, 50, 'o.o_orderkey * 149 + l')}::DOUBLE AS l_quantity,
       ${money(900, 100000, 'o.o_orderkey * 151 + l')} AS l_extendedprice,
       (hash(o.o_orderkey * 157 + l) % 11)::DOUBLE / 100 AS l_discount,
       (hash(o.o_orderkey * 163 + l) % 9)::DOUBLE / 100 AS l_tax,
       ${pick(['R', 'A', 'N'], 'o.o_orderkey * 167 + l')} AS l_returnflag,
       ${pick(['O', 'F'], 'o.o_orderkey * 173 + l')} AS l_linestatus,
       (o.o_orderdate + (1 + hash(o.o_orderkey * 179 + l) % 121)::INTEGER) AS l_shipdate,
       (o.o_orderdate + (30 + hash(o.o_orderkey * 181 + l) % 61)::INTEGER) AS l_commitdate,
       (o.o_orderdate + (2 + hash(o.o_orderkey * 191 + l) % 150)::INTEGER) AS l_receiptdate,
       ${pick(['DELIVER IN PERSON', 'COLLECT COD', 'NONE', 'TAKE BACK RETURN'], 'o.o_orderkey * 193 + l')} AS l_shipinstruct,
       ${pick(['REG AIR', 'AIR', 'RAIL', 'SHIP', 'TRUCK', 'MAIL', 'FOB'], 'o.o_orderkey * 197 + l')} AS l_shipmode,
       ${comment('o.o_orderkey * 8 + l')}::VARCHAR AS l_comment
       FROM ${s}.orders o, range(1, 8) r(l)
       WHERE l <= 1 + hash(o.o_orderkey * 199) % 7`,
  ];
}
