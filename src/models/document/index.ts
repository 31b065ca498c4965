/**
 * The Document folder's exports.
 *
 * @module
 */
export { Document } from './document.js';
export type { DocumentFields, DocumentSaveOptions, FieldName, NumericField } from './types.js';
