export { analyze, trinoAnalyzer, trinoAnalyzer as analyzer, warmUpAnalyzer, type AnalysisSession } from './analyze.js';
export { AnalysisError } from './names.js';
