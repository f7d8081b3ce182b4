namespace Kubetest.Reporting;

/// <summary>The page's style and script, inline so the file needs nothing else (no fonts, no fetches).</summary>
public static partial class HtmlReport
{
    private const string Css = """
        :root { --success: #2da44e; --failure: #cf222e; --timeout: #8250df; --flaky: #d4a72c; --error: #57606a; --unknown: #afb8c1; }
        body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
        h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.5em; }
        h1 .status { padding: 0 .4em; border-radius: 4px; color: #fff; }
        h1 .status.passed { background: var(--success); } h1 .status.failed { background: var(--failure); }
        .started { color: #57606a; }
        .totals dl { display: flex; flex-wrap: wrap; gap: .5em; margin: 0; }
        .total { border: 1px solid #d0d7de; border-radius: 6px; padding: .3em .8em; min-width: 5em; }
        .total dt { color: #57606a; font-size: .85em; } .total dd { margin: 0; font-size: 1.2em; font-weight: 600; }
        .filters { border: 1px solid #d0d7de; border-radius: 6px; margin-top: 1em; }
        .filters label { margin-right: 1.5em; } #shown { color: #57606a; }
        .timeline { border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
        .lane { display: flex; border-top: 1px solid #eaeef2; height: 22px; }
        .lane.axis { border-top: 0; background: #f6f8fa; }
        .label { flex: 0 0 16em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 .5em; font: 12px/22px ui-monospace, monospace; border-right: 1px solid #d0d7de; }
        .track { position: relative; flex: 1; margin-right: 3em; }
        .tick { position: absolute; top: 0; font-size: 11px; line-height: 22px; border-left: 1px solid #d0d7de; padding-left: 2px; white-space: nowrap; }
        .bar { position: absolute; top: 3px; height: 16px; min-width: 2px; border-radius: 2px; box-sizing: border-box; border: 1px solid rgba(0,0,0,.15); }
        .bar:hover { outline: 2px solid #0969da; z-index: 1; }
        .bar { container-type: inline-size; overflow: hidden; color: #fff; font: 11px/14px ui-monospace, monospace; text-decoration: none; }
        .bar .name { display: block; padding: 0 3px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
        @container (max-width: 2.5em) { .bar .name { display: none; } }
        .bar.flaky, .bar.unknown { color: #1f2328; }
        .bar.success, .swatch.success { background: var(--success); }
        .bar.failure, .swatch.failure { background: var(--failure); }
        .bar.timeout, .swatch.timeout { background: var(--timeout); }
        .bar.error, .swatch.error { background: var(--error); }
        .bar.unknown, .swatch.unknown { background: repeating-linear-gradient(45deg, var(--unknown), var(--unknown) 4px, #fff 4px, #fff 6px); }
        .bar.flaky, .swatch.flaky { background: var(--flaky); }
        .swatch { display: inline-block; width: 1em; height: .8em; margin: 0 .3em 0 1em; vertical-align: middle; border-radius: 2px; }
        .legend { color: #57606a; font-size: .9em; }
        table.keys { border-collapse: collapse; width: 100%; }
        .keys th, .keys td { border-bottom: 1px solid #eaeef2; padding: .3em .5em; text-align: left; vertical-align: top; }
        .keys th button.sort { font: inherit; font-weight: 600; border: 0; background: none; padding: 0; cursor: pointer; color: inherit; }
        .keys th button.sort::after { content: " \2195"; color: #8c959f; }
        .keys th[aria-sort="ascending"] button.sort::after { content: " \2191"; color: inherit; }
        .keys th[aria-sort="descending"] button.sort::after { content: " \2193"; color: inherit; }
        .keys td.name { font-family: ui-monospace, monospace; word-break: break-all; }
        tr.key.passed td.status { color: var(--success); } tr.key.failed td.status { color: var(--failure); }
        tr.key.flaky td.status { color: #9a6700; } tr.key:target { background: #fff8c5; }
        pre { margin: .2em 0; max-height: 20em; overflow: auto; background: #f6f8fa; padding: .4em; white-space: pre-wrap; word-break: break-all; }
        [hidden] { display: none !important; }
        """;

    /// <summary>
    /// The filters: with none checked every key shows; else only the keys (bars and rows) of the
    /// checked kinds. The sort: a column's button orders the rows by what the rows' own data
    /// attributes hold (status rank, duration in seconds, key), a second press the other way; the
    /// rows move, so a filter's hidden rows stay hidden.
    /// </summary>
    private const string Script = """
        (function () {
          var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-filter]'));
          var failed = { failed: true, unknown: true, skipped: true };
          function matches(state, wanted) {
            return wanted.some(function (w) { return w === 'failed' ? failed[state] === true : state === w; });
          }
          function apply() {
            var wanted = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.getAttribute('data-filter'); });
            var rows = 0, shown = 0;
            document.querySelectorAll('[data-state]').forEach(function (el) {
              var show = wanted.length === 0 || matches(el.getAttribute('data-state'), wanted);
              el.hidden = !show;
              if (el.tagName === 'TR') { rows++; if (show) { shown++; } }
            });
            document.getElementById('shown').textContent = wanted.length === 0 ? '' : shown + ' of ' + rows + ' keys shown';
          }
          boxes.forEach(function (b) { b.addEventListener('change', apply); });
          apply();
          var body = document.querySelector('table.keys tbody');
          function num(row, name) { return Number(row.getAttribute('data-' + name)); }
          function byName(a, b) { var x = a.getAttribute('data-key'), y = b.getAttribute('data-key'); return x < y ? -1 : x > y ? 1 : 0; }
          function byDuration(a, b) { return (num(a, 'duration') - num(b, 'duration')) || byName(a, b); }
          var orders = {
            name: byName,
            duration: byDuration,
            status: function (a, b) { return (num(a, 'rank') - num(b, 'rank')) || -byDuration(a, b) || byName(a, b); }
          };
          var first = { name: 'ascending', status: 'ascending', duration: 'descending' };
          document.querySelectorAll('button[data-sort]').forEach(function (button) {
            button.addEventListener('click', function () {
              var header = button.parentNode, column = button.getAttribute('data-sort');
              var now = header.getAttribute('aria-sort');
              var dir = now === null ? first[column] : now === 'ascending' ? 'descending' : 'ascending';
              document.querySelectorAll('table.keys th[aria-sort]').forEach(function (th) { th.removeAttribute('aria-sort'); });
              header.setAttribute('aria-sort', dir);
              var rows = Array.prototype.slice.call(body.querySelectorAll('tr.key'));
              rows.sort(function (a, b) { return dir === 'ascending' ? orders[column](a, b) : orders[column](b, a); });
              rows.forEach(function (row) { body.appendChild(row); });
            });
          });
        })();
        """;
}
