// In-page half of the renderer: import one diagram at a time into a single bpmn-js Viewer and size the
// canvas to the whole diagram so a screenshot of #canvas is the full picture at scale 1 (or smaller if huge).
/* global BpmnJS */
(function() {
  const container = document.getElementById('canvas');
  let viewer = null;

  // Modeler reads Zeebe models with the zeebe and modeler moddle extensions; so does this viewer, so that an
  // unknown zeebe:* element is an import warning here as it is there. Node passes the extension JSON in.
  window.xietongInit = function(moddleExtensions) {
    viewer = new BpmnJS({ container, moddleExtensions });
  };

  window.xietongRender = async function(xml, options) {
    const margin = options.margin;
    const maxSide = options.maxSide;
    let warnings = [];
    try {
      const result = await viewer.importXML(xml);
      warnings = (result.warnings || []).map((w) => String(w.message || w));
    } catch (err) {
      const inner = (err.warnings || []).map((w) => String(w.message || w));
      return { error: String(err.message || err), warnings: inner, overflows: [], collisions: [], elementCount: 0, width: 0, height: 0 };
    }
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    const root = canvas.getRootElement();
    const elementCount = registry.filter((e) => e !== root && e.type !== 'label' && !e.labelTarget).length;

    const inner = canvas.viewbox().inner;
    const width = Math.max(1, inner.width + 2 * margin);
    const height = Math.max(1, inner.height + 2 * margin);
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const pxWidth = Math.max(1, Math.round(width * scale));
    const pxHeight = Math.max(1, Math.round(height * scale));
    container.style.width = `${pxWidth}px`;
    container.style.height = `${pxHeight}px`;
    canvas.resized();
    canvas.viewbox({ x: inner.x - margin, y: inner.y - margin, width, height });
    const overflows = labelOverflows(registry);
    const collisions = iconCollisions(registry);
    return { error: null, warnings, elementCount, width: pxWidth, height: pxHeight, overflows, collisions };
  };
  // Labels drawn INSIDE a shape (tasks, sub-processes, lanes, pools) that spill out of it are unreadable in
  // Modeler; only the browser knows the real text metrics, so measure the rendered SVG.
  const INSIDE_LABEL = /^bpmn:(.*Task|Task|SubProcess|Transaction|AdHocSubProcess|CallActivity|Lane|Participant)$/;
  const TOLERANCE = 2;
  const HEADER = 30;

  function labelOverflows(registry) {
    const out = [];
    for (const element of registry.getAll()) {
      if (element.type === 'label' || !INSIDE_LABEL.test(element.type) || !element.businessObject.name) {
        continue;
      }
      const gfx = registry.getGraphics(element);
      const box = gfx && gfx.querySelector('.djs-visual > rect');
      const text = gfx && gfx.querySelector('.djs-visual > text');
      if (!box || !text) {
        continue;
      }
      const r = box.getBoundingClientRect();
      const t = text.getBoundingClientRect();
      const scale = r.width / Math.max(1, element.width);
      // a horizontal lane or pool writes its name vertically in the 30px header strip at its left
      const header = /^bpmn:(Lane|Participant)$/.test(element.type) && element.di.isHorizontal !== false;
      const b = header ? { left: r.left, right: r.left + HEADER * scale, top: r.top, bottom: r.bottom } : r;
      const tol = TOLERANCE * scale;
      if (t.left < b.left - tol || t.right > b.right + tol || t.top < b.top - tol || t.bottom > b.bottom + tol) {
        const over = (v) => Math.round(v / scale);
        out.push({
          elementId: element.id,
          message: `label ${JSON.stringify(element.businessObject.name)} (${over(t.width)}x${over(t.height)}) ` +
            `spills out of its ${header ? `${HEADER}x${element.height} header` : `${element.width}x${element.height} shape`}`,
        });
      }
    }
    return out;
  }

  // A task's name that runs into its type icon (top left) or its markers (bottom: multi-instance, loop)
  // is hard to read. Compare each rendered text line with each icon path.
  const TASK = /^bpmn:(.*Task|Task|CallActivity)$/;

  function intersects(a, b) {
    return Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  }

  function iconCollisions(registry) {
    const out = [];
    for (const element of registry.getAll()) {
      if (!TASK.test(element.type) || !element.businessObject.name) {
        continue;
      }
      const visual = registry.getGraphics(element).querySelector('.djs-visual');
      const lines = [...visual.querySelectorAll(':scope > text tspan')].map((t) => t.getBoundingClientRect());
      const icons = [...visual.children].filter((c) => c.tagName !== 'rect' && c.tagName !== 'text');
      const hit = icons.some((icon) => {
        const r = icon.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && lines.some((line) => intersects(line, r));
      });
      if (hit) {
        out.push({
          elementId: element.id,
          message: `label ${JSON.stringify(element.businessObject.name)} (${lines.length} lines) runs into the ` +
            `task's icon or marker in its ${element.width}x${element.height} shape`,
        });
      }
    }
    return out;
  }

  window.xietongReady = true;
})();
