export { analyze, trinoAnalyzer, trinoAnalyzer as analyzer, warmUpAnalyzer, type AnalysisSession } from './analyze.js';
export { AnalysisError } from './names.js';
export { restoreParserSnapshotText as restoreAnalyzerSnapshot } from './parser-snapshot.js';
