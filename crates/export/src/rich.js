// Draws an exported page's charts and math (crates/export/src/rich.rs).
// Runs after whichever of WeirVega, Plotly and katex the page carries.
(function () {
  'use strict';
  function note(el, cls, text) {
    var d = document.createElement('p');
    d.className = cls;
    d.textContent = text;
    el.insertBefore(d, el.firstChild);
  }
  function failed(el, kind, err) {
    el.setAttribute('data-rendered', 'error');
    note(el, 'weir-note', 'Could not draw this ' + kind + ' chart: ' + (err && err.message ? err.message : String(err)));
  }
  var charts = document.querySelectorAll('.weir-chart');
  Array.prototype.forEach.call(charts, function (el) {
    var kind = el.getAttribute('data-chart');
    var spec;
    try {
      spec = JSON.parse(el.getAttribute('data-spec'));
    } catch (err) {
      failed(el, kind, err);
      return;
    }
    var box = document.createElement('div');
    el.appendChild(box);
    var drawn;
    try {
      if (kind === 'vega-lite') {
        drawn = window.WeirVega.render(box, spec).then(function (r) {
          if (r.refused.length) {
            note(el, 'weir-note', 'This chart asks to load ' + r.refused.join(', ') +
              '; the page never loads anything from the network, so data must be inline in the spec.');
          }
        });
      } else {
        drawn = window.Plotly.newPlot(box, spec.data || [], spec.layout || {}, {
          responsive: true, displaylogo: false, showLink: false,
          showSendToCloud: false, showEditInChartStudio: false, typesetMath: false
        });
      }
    } catch (err) {
      failed(el, kind, err);
      return;
    }
    Promise.resolve(drawn).then(function () {
      el.setAttribute('data-rendered', 'true');
    }, function (err) {
      failed(el, kind, err);
    });
  });
  if (window.katex) {
    Array.prototype.forEach.call(document.querySelectorAll('.weir-math'), function (el) {
      window.katex.render(el.textContent, el, {
        displayMode: el.getAttribute('data-display') === 'true',
        throwOnError: false, trust: false, strict: 'ignore', maxExpand: 1000
      });
      el.setAttribute('data-typeset', 'true');
    });
  }
})();
