// Page checks run in every page the browser tests load (an init script; see page_checks.py):
// no horizontal scroll, and every visible control's text has contrast >= 4.5:1 (3:1 for large
// text) against the background it is actually drawn on, computed here (axe calls such cases
// "needs review"). Findings are reported on the console as "PAGE-CHECK <json>".
(() => {
  if (typeof window.__checkPage === 'function') return;
  const CONTROLS = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], label';

  function rgba(css) {
    const m = css && css.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, under) {  // top composited over an opaque colour
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
  }
  function luminance(c) {
    const ch = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
  }
  function ratio(a, b) {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  function background(el) {  // the colour under el's text: its own and its ancestors' layers
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage !== 'none') return null;  // an image: not computable
      const c = rgba(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const c of layers.reverse()) colour = over(c, colour);
    return colour;
  }
  function opacity(el) {
    let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  }
  function visible(el) {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;  // hidden, or sr-only (1px, clipped)
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {  // clipped away (sr-only)
      const c = getComputedStyle(e);
      if ((c.clip && c.clip !== 'auto') || (c.clipPath && c.clipPath.startsWith('inset(50%'))) return false;
    }
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && opacity(el) > 0.05;
  }
  function text(el) {
    if (el.matches('input, textarea')) return (el.value || el.placeholder || '').trim();
    if (el.matches('select')) return (el.selectedOptions[0] && el.selectedOptions[0].text || '').trim();
    return (el.innerText || '').trim();
  }
  function describe(el) {
    const id = el.id ? '#' + el.id : '';
    const cls = el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    return `${el.tagName.toLowerCase()}${id}${cls} "${text(el).slice(0, 30)}"`;
  }
  function check() {
    const problems = [];
    const doc = document.documentElement;
    // the layout viewport: a phone zooms out to fit wide content, so innerWidth can grow
    const width = Math.min(window.innerWidth, doc.clientWidth);
    if (doc.scrollWidth > width + 1)
      problems.push(`scrolls sideways: ${doc.scrollWidth}px wide in a ${width}px window`);
    for (const el of document.querySelectorAll(CONTROLS)) {
      if (el.disabled || !visible(el) || !text(el)) continue;
      const s = getComputedStyle(el);
      const fg = rgba(s.color), bg = background(el);
      if (!fg || !bg) continue;
      const shown = over([fg[0], fg[1], fg[2], fg[3] * opacity(el)], bg);
      const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
      const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      const r = ratio(shown, bg);
      if (r < need) problems.push(`contrast ${r.toFixed(2)}:1 < ${need}:1: ${describe(el)} (${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(', ')}))`);
    }
    return problems;
  }
  window.__checkPage = check;
  function report() {
    console.log('PAGE-CHECK ' + JSON.stringify({url: location.pathname + location.search, width: window.innerWidth, problems: check()}));
  }
  let timer = null;
  function soon() { clearTimeout(timer); timer = setTimeout(report, 150); }
  window.addEventListener('load', () => {
    soon();
    new MutationObserver(soon).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ['class', 'hidden', 'open', 'style']});
  });
})();
