export { answerMetadata, createMetadataDeps, createMetadataService, toGatewayResult, AnswerCache, type MetadataDeps, type MetadataOptions, type MetadataService } from './answer.js';
export { MetadataCache, type MetadataCacheOptions } from './cache.js';
export { jdbcDataType, columnSize, decimalDigits, numPrecRadix, charOctetLength, JdbcType } from './jdbc-types.js';
export { compileLike, type LikePattern } from './like.js';
export type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable, TableType } from './source.js';
export { tableVisibility } from './visibility.js';
