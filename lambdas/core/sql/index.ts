export { analyze, trinoAnalyzer, trinoAnalyzer as analyzer, type AnalysisSession } from './analyze.js';
export { AnalysisError } from './names.js';
