// Renders the task's form (form-js schema from GET /v2/user-tasks/{key}/form) and submits its data
// as JSON with the page's ordinary form, so CSRF and the server's checks apply to it as to any form.
(function () {
  'use strict'
  const container = document.getElementById('task-form-js')
  const htmlForm = document.getElementById('complete-form')
  if (!container || !htmlForm || typeof FormViewer === 'undefined') return
  const schema = JSON.parse(document.getElementById('form-schema').textContent)
  const data = JSON.parse(document.getElementById('form-data').textContent)
  const form = new FormViewer.Form({ container: container })
  let ready = false
  form.importSchema(schema, data).then(function () {
    ready = true
    container.dataset.ready = 'true'
  }).catch(function (error) {
    container.textContent = '表单无法显示：' + (error.message || error)
    container.dataset.ready = 'error'
  })
  htmlForm.addEventListener('submit', function (event) {
    if (!ready) { event.preventDefault(); return }
    const result = form.submit()
    if (Object.keys(result.errors || {}).length) {
      event.preventDefault()
      return
    }
    htmlForm.querySelector('input[name=form_data]').value = JSON.stringify(result.data)
  })
})()
