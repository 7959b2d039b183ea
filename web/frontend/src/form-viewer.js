// The form-js pieces the task page uses, bundled by esbuild into dist/form-viewer.min.js
// (form-js-viewer ships only ES/CommonJS modules; a browser page needs one file): the viewer, and
// its markdown renderer, with which task-form.js turns templated text into an HTML view.
export { Form, MarkdownRenderer } from '@bpmn-io/form-js-viewer'
