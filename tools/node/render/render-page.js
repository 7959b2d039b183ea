// In-page half of the renderer: import one diagram at a time into a single bpmn-js Viewer and size the
// canvas to the whole diagram so a screenshot of #canvas is the full picture at scale 1 (or smaller if huge).
/* global BpmnJS */
(function() {
  const container = document.getElementById('canvas');
  const viewer = new BpmnJS({ container });

  window.xietongRender = async function(xml, options) {
    const margin = options.margin;
    const maxSide = options.maxSide;
    let warnings = [];
    try {
      const result = await viewer.importXML(xml);
      warnings = (result.warnings || []).map((w) => String(w.message || w));
    } catch (err) {
      const inner = (err.warnings || []).map((w) => String(w.message || w));
      return { error: String(err.message || err), warnings: inner, elementCount: 0, width: 0, height: 0 };
    }
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const root = canvas.getRootElement();
    const elementCount = registry.filter((e) => e !== root && e.type !== 'label' && !e.labelTarget).length;

    const inner = canvas.viewbox().inner;
    const width = Math.max(1, inner.width + 2 * margin);
    const height = Math.max(1, inner.height + 2 * margin);
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const pxWidth = Math.ceil(width * scale);
    const pxHeight = Math.ceil(height * scale);
    container.style.width = `${pxWidth}px`;
    container.style.height = `${pxHeight}px`;
    canvas.resized();
    canvas.viewbox({ x: inner.x - margin, y: inner.y - margin, width, height });
    return { error: null, warnings, elementCount, width: pxWidth, height: pxHeight };
  };
  window.xietongReady = true;
})();
