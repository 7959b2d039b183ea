// Draws a process with bpmn-js's NavigatedViewer and overlays what the REST API says of it:
// badges for active elements and incidents, markers for completed elements and sequence flows taken.
// The page's #diagram names its JSON source ({xml, elements: {id: statistics}, flows: [ids]}).
(function () {
  'use strict'
  const host = document.getElementById('diagram')
  if (!host || typeof BpmnJS === 'undefined') return

  function badge (cls, text, title) {
    const span = document.createElement('span')
    span.className = 'badge ' + cls
    span.textContent = text
    span.title = title
    return span
  }

  async function draw () {
    const response = await fetch(host.dataset.source, { credentials: 'same-origin', headers: { accept: 'application/json' } })
    if (!response.ok) throw new Error('流程图数据读取失败（' + response.status + '）')
    const data = await response.json()
    const viewer = new BpmnJS({ container: host }) // keys (arrows, +/-) act on the focused drawing
    const result = await viewer.importXML(data.xml)
    const canvas = viewer.get('canvas')
    const overlays = viewer.get('overlays')
    const registry = viewer.get('elementRegistry')
    canvas.zoom('fit-viewport', 'auto')
    for (const [id, s] of Object.entries(data.elements || {})) {
      if (!registry.get(id)) continue
      if (s.active) {
        canvas.addMarker(id, 'is-active')
        overlays.add(id, 'active', { position: { bottom: 8, left: -8 }, html: badge('active', s.active, '进行中：' + s.active) })
      }
      if (s.incidents) {
        canvas.addMarker(id, 'has-incident')
        overlays.add(id, 'incident', { position: { bottom: 8, right: 8 }, html: badge('incident', s.incidents, '事件：' + s.incidents) })
      }
      if (s.completed && !s.active && !s.incidents) canvas.addMarker(id, 'is-completed')
    }
    for (const id of data.flows || []) {
      if (registry.get(id)) canvas.addMarker(id, 'is-taken')
    }
    const svg = host.querySelector('svg')
    if (svg) { svg.setAttribute('tabindex', '0'); svg.setAttribute('aria-label', host.getAttribute('aria-label') || '') }
    host.dataset.warnings = String((result.warnings || []).length)
    host.dataset.ready = 'true'
  }

  draw().catch(function (error) {
    host.textContent = String(error.message || error)
    host.dataset.ready = 'error'
  })
})()
