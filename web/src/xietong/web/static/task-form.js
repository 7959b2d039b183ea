// Renders the task's form (form-js schema from GET /v2/user-tasks/{key}/form) and submits its data
// as JSON with the page's ordinary form, so CSRF and the server's checks apply to it as to any form.
(function () {
  'use strict'
  const container = document.getElementById('task-form-js')
  const htmlForm = document.getElementById('complete-form')
  if (!container || !htmlForm || typeof FormViewer === 'undefined') return
  const schema = plainValues(JSON.parse(document.getElementById('form-schema').textContent))
  const data = JSON.parse(document.getElementById('form-data').textContent)
  // A text view puts the case's values into its markdown before rendering it, so an image or a link
  // in a variable would show as one. Each templated text view becomes an HTML view of the same
  // markdown rendered beforehand: form-js escapes the values it puts into an HTML view.
  function plainValues (node) {
    (node.components || []).forEach(function (component) {
      const text = component.text
      if (component.type === 'text' && typeof text === 'string' && /{{.*?}}/.test(text) && text[0] !== '=') {
        component.type = 'html'
        component.content = new FormViewer.MarkdownRenderer().render(text)
        delete component.text
      }
      plainValues(component)
    })
    return node
  }
  const form = new FormViewer.Form({ container: container })
  // form-js writes its validation messages in English only; a clerk reads them in Chinese
  const messages = [
    [/^Field is required\.$/, '此项为必填项。'],
    [/^Field must be a valid email\.$/, '请填写有效的电子邮箱。'],
    [/^Field must have minimum length of (\d+)\.$/, '至少填写 $1 个字符。'],
    [/^Field must have maximum length of (\d+)\.$/, '最多填写 $1 个字符。'],
    [/^Field must have minimum value of (.+)\.$/, '不能小于 $1。'],
    [/^Field must have maximum value of (.+)\.$/, '不能大于 $1。'],
    [/^Field must match pattern (.+)\.$/, '格式不符合要求。']
  ]
  function inChinese () {
    container.querySelectorAll('.fjs-form-field-error li, .fjs-form-field-error span').forEach(function (node) {
      if (node.children.length) return
      const text = node.textContent.trim()
      for (const [english, chinese] of messages) {
        if (english.test(text)) { node.textContent = text.replace(english, chinese); break }
      }
    })
  }
  new MutationObserver(inChinese).observe(container, { childList: true, subtree: true, characterData: true })
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
