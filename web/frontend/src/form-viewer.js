// The one form-js entry point the task page uses, bundled by esbuild into dist/form-viewer.min.js
// (form-js-viewer ships only ES/CommonJS modules; a browser page needs one file).
export { Form } from '@bpmn-io/form-js-viewer'
