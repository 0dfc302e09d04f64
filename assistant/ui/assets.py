"""The page's CSS and its one script (given to ``launch``: Gradio 6 takes them there, not in Blocks).

The script does what only the browser can:
* a click on a citation link ``#cite-N`` (in an answer, or on an evidence card) writes
  "<answer position>:N" into the hidden ``#cite-target`` box and presses the hidden ``#cite-open``
  button, whose handler opens that citation's card and page; the click does not also select the
  message (it is stopped in the capture phase);
* whenever a new answer appears in the chat it is scrolled into view, wherever the reader was;
* a click on a node of the citation graph (Plotly's ``plotly_click``) picks that node, through the
  hidden ``#graph-target`` box and ``#graph-open`` button.
"""

CSS = """
.card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px}
.card.active {border: 2px solid #f5a300; box-shadow: 0 0 0 3px #ffe27a55}
.card-head {font-weight: 600}
.card-head a, .show-page {text-decoration: none}
.show-page {font-weight: 400; font-size: .85em; margin-left: 6px}
.card-source, .asked, .searched {font-size: .85em; color: var(--body-text-color-subdued)}
.card blockquote {margin: 6px 0 0; padding-left: 8px; border-left: 3px solid #f5c400; font-size: .92em;
                  line-height: 1.45}
mark {background: #ffe27a; color: inherit; padding: 0 1px}
#chat a[href^="#cite-"] {display: inline-block; padding: 0 6px; margin: 1px 0; border-radius: 10px;
    background: #fff4cc; border: 1px solid #f5c400; color: #5c4400; text-decoration: none; font-size: .9em;
    cursor: pointer; white-space: nowrap}
#chat a[href^="#cite-"]:hover {background: #ffe27a}
#chat details summary {cursor: pointer; color: var(--body-text-color-subdued)}
#upload-results table, #references table {width: 100%; font-size: .85em; border-collapse: collapse; border: none}
#upload-results :is(tr, td, th), #references :is(tr, td, th) {border: none; vertical-align: top;
    padding: 3px 5px; text-align: left}
#upload-results tr, #references tr {border-bottom: 1px solid var(--border-color-primary)}
.status-added {color: #15803d; font-weight: 600} .status-exists {color: #1d4ed8; font-weight: 600}
.status-failed {color: #b91c1c; font-weight: 600} .status-working {color: #7c3aed; font-weight: 600}
.in-library {color: #15803d; font-weight: 600} .missing {color: #b45309}
.empty-note {color: var(--body-text-color-subdued); font-style: italic}
#chat-note {color: #b91c1c; min-height: 1.2em}
#papers .header-table, #papers .virtual-row {font-family: var(--font); font-size: var(--text-sm)}
.viewer-caption {font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: 4px}
.viewer-frame {max-height: 1100px; overflow: auto; border: 1px solid var(--border-color-primary); border-radius: 6px}
.viewer-frame img {display: block; max-width: none; margin: 0 auto}
"""

HEAD = """
<script>
(() => {
  const send = (boxId, buttonId, value) => {
    const box = document.querySelector(`#${boxId} textarea, #${boxId} input`);
    const button = document.querySelector(`#${buttonId}`);
    if (!box || !button) return;
    box.value = value;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    setTimeout(() => button.click(), 50);
  };
  const openCitation = (target) => send('cite-target', 'cite-open', target);
  const hookGraph = () => {
    const plot = document.querySelector('#graph .js-plotly-plot');
    if (!plot || !plot.on || plot.dataset.hooked) return;
    plot.dataset.hooked = '1';
    plot.on('plotly_click', (data) => {
      const id = data && data.points && data.points[0] && data.points[0].customdata;
      if (id) send('graph-target', 'graph-open', `${id}\n${Date.now()}`);
    });
  };
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const n = link.getAttribute('href').slice('#cite-'.length);
    const bot = link.closest('[data-testid="bot"]');
    const position = bot ? [...document.querySelectorAll('#chat [data-testid="bot"]')].indexOf(bot)
                         : link.closest('[data-answer]')?.dataset.answer;
    if (position === undefined || position === '' || position < 0) return;
    openCitation(`${position}:${n}:${Date.now()}`);
  }, true);
  let answers = 0;
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat [data-testid="bot"]');
    if (bots.length > answers) bots[bots.length - 1].scrollIntoView({block: 'start'});
    answers = bots.length;
    hookGraph();
  }).observe(document.documentElement, {childList: true, subtree: true});
})();
</script>
"""

SCROLL_TO_ACTIVE_CARD = ("() => { const card = document.querySelector('#evidence-html .card.active');"
                         " if (card) card.scrollIntoView({block: 'nearest'}); }")
