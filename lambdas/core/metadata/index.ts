export { answerMetadata, createMetadataDeps, createMetadataService, toGatewayResult, AnswerCache, type MetadataDeps, type MetadataOptions } from './answer.js';
export type { MetadataService } from '../ports/index.js';
export { MetadataCache, type MetadataCacheOptions } from './cache.js';
export { jdbcDataType, columnSize, decimalDigits, numPrecRadix, charOctetLength, JdbcType } from './jdbc-types.js';
export { compileLike, type LikePattern } from './like.js';
export type { ListTablesOptions, MetadataColumn, MetadataSource, MetadataTable, TableType } from '../ports/index.js';
export { tableVisibility } from './visibility.js';
