// The Stampede console's script: fills the page from GET /api/state and /api/runs, follows the
// coordinator through the /api/events stream (one update a second, a verdict when a run ends),
// charts it with uPlot, and sends Launch, Abort and Reset. Text from the server is only ever set
// as textContent: endpoint labels and messages can carry user text.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const MAX_POINTS = 3600;
  const FIGURES = ['oversold', 'lost_updates', 'lost_acks', 'phantoms', 'duplicates', 'recovered',
    'remaining_duplicates', 'unseen_sales', 'false_sold_out'];

  // The lab's reservation journey (README, Journeys), sent as the run's flow setting.
  const RESERVE_CONFIRM = JSON.stringify([
    { name: 'reserve', method: 'POST', path: '/api/v1/reservations/${endpoint}',
      headers: { 'Content-Type': 'application/json' },
      body: '{"product_id": 1, "user_id": "${user_id}", "quantity": 1}',
      capture: { hold: 'reservation_id' }, takes_stock: true },
    { name: 'confirm', method: 'POST', path: '/api/v1/reservations/${endpoint}/${hold}/confirm',
      purchase: true },
  ]);

  let defaults = { target: '', admin_url: '', stock_reset: false };
  let runActive = false;
  let chartRun = null; // the run the charts show
  let data = { t: [], ok: [], fail: [], info: [], p50: [], p99: [] };
  let rpsChart = null;
  let latencyChart = null;

  function cell(row, text, cls, testid) {
    const td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '–' : String(text);
    if (cls) td.className = cls;
    if (testid) td.dataset.testid = testid;
    row.appendChild(td);
    return td;
  }

  function fmt(x, digits) {
    return typeof x === 'number' ? x.toFixed(digits) : '–';
  }

  function message(text, info) {
    const p = $('form-message');
    p.textContent = text;
    p.className = info ? 'message info' : 'message';
  }

  async function api(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let json = null;
    try { json = await res.json(); } catch (e) { json = null; }
    return { ok: res.ok, status: res.status, json };
  }

  // --- charts ---
  function makeCharts() {
    const width = Math.max(320, Math.min(580, Math.floor((window.innerWidth - 120) / 2)));
    // Room on the y axis for five-digit rates.
    const axes = [{ label: 'seconds since the run began' }, { size: 64 }];
    const legend = { live: false };
    rpsChart = new uPlot({
      width, height: 220, scales: { x: { time: false } }, axes, legend,
      series: [{ label: 's' },
        { label: 'ok', stroke: '#1f7a3f', width: 2 },
        { label: 'fail', stroke: '#a86400', width: 2 },
        { label: 'info', stroke: '#b3261e', width: 2 }],
    }, [[], [], [], []], $('chart-rps'));
    latencyChart = new uPlot({
      width, height: 220, scales: { x: { time: false } }, axes, legend,
      series: [{ label: 's' },
        { label: 'p50', stroke: '#2a6fdb', width: 2 },
        { label: 'p99', stroke: '#e08a2b', width: 2 }],
    }, [[], [], []], $('chart-latency'));
  }

  function clearCharts(runId) {
    chartRun = runId;
    data = { t: [], ok: [], fail: [], info: [], p50: [], p99: [] };
    rpsChart.setData([[], [], [], []]);
    latencyChart.setData([[], [], []]);
    for (const id of ['rps', 'p50', 'p99']) $(id).textContent = '–';
  }

  function addSamples(samples) {
    if (!samples || samples.length === 0) return;
    for (const s of samples) {
      if (s.run_id !== chartRun) clearCharts(s.run_id);
      data.t.push(s.t_s);
      data.ok.push(s.ok_rps);
      data.fail.push(s.fail_rps);
      data.info.push(s.info_rps);
      // The coordinator fills the window percentiles when it has them; 0 means none came.
      data.p50.push(s.p50_ms > 0 ? s.p50_ms : null);
      data.p99.push(s.p99_ms > 0 ? s.p99_ms : null);
    }
    for (const k of Object.keys(data)) {
      if (data[k].length > MAX_POINTS) data[k].splice(0, data[k].length - MAX_POINTS);
    }
    rpsChart.setData([data.t, data.ok, data.fail, data.info]);
    latencyChart.setData([data.t, data.p50, data.p99]);
    const last = samples[samples.length - 1];
    $('rps').textContent = fmt(last.ok_rps + last.fail_rps + last.info_rps, 0);
    $('p50').textContent = last.p50_ms > 0 ? fmt(last.p50_ms, 2) : '–';
    $('p99').textContent = last.p99_ms > 0 ? fmt(last.p99_ms, 2) : '–';
    $('latency-hint').textContent = data.p99.some((v) => v !== null)
      ? '' : 'No latency windows from the coordinator yet.';
  }

  // --- state ---
  function renderAgents(agents) {
    const body = $('agents').tBodies[0];
    body.replaceChildren();
    for (const a of agents) {
      const row = body.insertRow();
      cell(row, a.name || a.agent_id);
      cell(row, a.host);
      cell(row, a.cores);
      cell(row, a.threads);
      cell(row, a.state, a.state === 'missing' ? 'bad' : '');
      cell(row, `${a.last_seen_ms_ago} ms ago`);
    }
  }

  function renderState(s) {
    if (s.defaults) {
      defaults = s.defaults;
      $('f-target').placeholder = defaults.target || 'http://host:port';
      $('form-hint').textContent = defaults.target
        ? `The bundled target is ${defaults.target}` +
          (defaults.stock_reset ? `; Stock resets it through ${defaults.admin_url} first.`
            : '; the console has no admin access, so leave Stock empty (it is read instead).') +
          ' Strategy only labels the run: the target picks its strategy when it starts.'
        : 'No bundled target: give a target URL and leave Stock empty.';
    }
    const answering = s.coordinator && s.coordinator.answering;
    $('coordinator').textContent = answering ? 'coordinator answering' : 'coordinator not answering';
    $('coordinator').className = answering ? 'badge ok' : 'badge bad';
    $('live').textContent = `live · ${new Date().toLocaleTimeString()}`;
    $('agents-count').textContent = String(s.agents_live);
    renderAgents(s.agents || []);
    runActive = s.run !== null && s.run !== undefined;
    const r = s.run;
    if (runActive) {
      $('run-id').textContent = r.run_id;
      const phase = r.endpoint ? `phase ${r.phase}/${r.phases} ${r.endpoint}: ` : '';
      const counts = r.endpoint
        ? `attempts ${r.attempts}, ok ${r.ok}, fail ${r.fail}, info ${r.info}, ` +
          `${fmt(r.rate_rps, 0)} req/s on average, ${r.agents} agent(s)` : 'starting';
      $('progress').textContent = `${r.label}: ${phase}${counts}${r.note ? ' · ' + r.note : ''}`;
    } else {
      $('progress').textContent = 'No run in progress.';
    }
    const stock = s.stock || {};
    $('stock-left').textContent = stock.value === null || stock.value === undefined ? '–' : String(stock.value);
    $('stock-source').textContent = stock.url
      ? `Stock left: read by the coordinator from GET ${stock.url} once a second` +
        (stock.error ? ` (last read failed: ${stock.error})` : '')
      : 'Stock left: no product route to read (start the console with --ui-target).';
    $('launch').disabled = runActive;
    $('abort').disabled = !runActive;
    $('reset').disabled = runActive || !defaults.stock_reset;
  }

  // --- verdict ---
  function plainWords(e) {
    const n = (k) => Number(e[k] || 0);
    const out = [];
    if (n('oversold') > 0) {
      out.push(`Oversold: ${n('oversold')} more item(s) sold than the ${e.initial_stock} in stock ` +
        `(the ledger holds ${e.ledger_orders} orders, ${e.acknowledged} purchases were acknowledged).`);
    }
    if (n('lost_updates') > 0) {
      out.push(`Lost updates: ${n('lost_updates')} order(s) are in the ledger that the stock count ` +
        `never saw (stock went ${e.initial_stock} → ${e.final_stock} while ${e.ledger_orders} orders were recorded).`);
    }
    if (n('lost_acks') > 0) {
      out.push(`Lost acknowledgements: ${n('lost_acks')} purchase(s) the buyer was told succeeded ` +
        'are missing from the ledger.');
    }
    if (n('phantoms') > 0) {
      out.push(`Phantom orders: ${n('phantoms')} ledger order(s) belong to attempts that were told ` +
        'no, or that no agent sent.');
    }
    if (n('duplicates') > 0) {
      out.push(`Duplicates: ${n('duplicates')} extra order(s) under an idempotency key that ` +
        'already had one.');
    }
    if (e.negative_stock) {
      out.push(`Negative stock: the stock count ended at ${e.final_stock}, below zero.`);
    }
    if (n('remaining_duplicates') > 0) {
      out.push(`The buyers' evidence: ${n('remaining_duplicates')} sale(s) were told a stock left ` +
        'that another sale was told too: a lost update, proven without the ledger.');
    }
    if (n('remaining_out_of_range') > 0) {
      out.push(`${n('remaining_out_of_range')} sale(s) were told a stock left outside 0 to ${e.initial_stock - 1}.`);
    }
    if (n('remaining_out_of_order') > 0) {
      out.push(`${n('remaining_out_of_order')} sale(s) sent after another sale's answer were told ` +
        `no less stock left (within ${e.clock_tolerance_ms} ms of clock tolerance).`);
    }
    if (n('false_sold_out') > 0) {
      out.push(`False sold out: ${n('false_sold_out')} buyer(s) were told sold out while stock was left.`);
    }
    if (n('duplicate_order_ids') > 0) {
      out.push(`${n('duplicate_order_ids')} sale(s) were answered with an order id another sale already got.`);
    }
    if (n('unseen_sales') > 0) {
      out.push(`Unseen sales: ${n('unseen_sales')} acknowledged sale(s) beyond what the stock count fell by.`);
    }
    if (n('over_limit_users') > 0) {
      out.push(`Over the limit: ${n('over_limit_users')} buyer(s) got more units than the limit allows ` +
        `(${n('over_limit_orders')} unit(s) beyond it).`);
    }
    if (n('confirmed_after_expiry') > 0) {
      out.push(`Confirmed after expiry: ${n('confirmed_after_expiry')} order(s) came from a hold ` +
        'that had expired and given its stock back.');
    }
    if (n('over_stock_samples') > 0) {
      out.push(`Held and sold beyond the stock: at ${n('over_stock_samples')} reading(s) of the ` +
        `product during the run, units held plus units sold exceeded the ${e.initial_stock} in stock.`);
    }
    return out;
  }

  // A journey's steps and the lab's holds, in words: one line each.
  function journeyWords(e) {
    const out = [];
    for (const step of Array.isArray(e.steps) ? e.steps : []) {
      const answers = Object.entries(step.status_codes || {}).map(([code, k]) => `${code} ×${k}`);
      const lat = step.latency_ms || {};
      out.push(`step ${step.name}: ${step.attempts} tries, ${step.failed} ended there; answers ` +
        `${answers.length ? answers.join(', ') : 'none'}; p99 ${fmt(lat.p99, 2)} ms`);
    }
    if (Array.isArray(e.steps) && e.steps.length > 0) {
      out.push(`journeys that ended holding stock: ${Number(e.journeys_abandoned || 0)}`);
    }
    const h = e.holds;
    if (h && h.placed > 0) {
      out.push(`holds: ${h.placed} placed, ${h.confirmed} confirmed, ${h.expired} expired, ` +
        `${h.open_at_end} open at the end`);
    }
    return out;
  }

  function showVerdict(record, report) {
    const section = $('verdict-section');
    section.hidden = false;
    section.dataset.runId = record.run_id;
    const v = $('verdict');
    v.textContent = record.verdict;
    v.className = `verdict ${record.verdict}`;
    v.dataset.runId = record.run_id;
    const endpoints = report && Array.isArray(report.endpoints) ? report.endpoints : [];
    // Unchecked though a stock was read: nothing was tested there (EndpointReport::untested).
    const untested = endpoints
      .filter((e) => e.integrity === 'unchecked' && e.initial_stock !== null && e.initial_stock !== undefined)
      .map((e) => e.endpoint);
    const text = {
      ok: `Every invariant holds: ${record.endpoints.join(', ')} sold no more than it had.`,
      unchecked: untested.length > 0
        ? `Nothing was tested on ${untested.join(', ')}: no attempt bought or was told sold out.`
        : 'A plain load test: with no stock source and no ledger, no integrity check could be made.',
      violated: `The oracle caught ${record.violated.join(', ')} breaking an invariant.`,
      aborted: `${record.message}.`,
      error: `The run failed: ${record.message}`,
    };
    $('verdict-message').textContent = `${record.run_id} (${record.label}): ${text[record.verdict] || record.verdict}`;
    const body = $('oracle').tBodies[0];
    body.replaceChildren();
    $('oracle').hidden = endpoints.length === 0;
    if (endpoints.length === 0) $('verdict-message').textContent += ' No phase finished, so there is no oracle table.';
    const list = $('violations');
    list.replaceChildren();
    const journeys = $('journeys');
    journeys.replaceChildren();
    for (const e of endpoints) {
      const row = body.insertRow();
      const name = e.endpoint;
      cell(row, name);
      cell(row, e.integrity, e.integrity, `integrity-${name}`);
      cell(row, e.attempts);
      cell(row, e.acknowledged);
      cell(row, `${e.initial_stock === null ? '?' : e.initial_stock} → ${e.final_stock === null ? '?' : e.final_stock}`);
      cell(row, e.ledger_orders);
      for (const k of FIGURES) {
        cell(row, k in e ? e[k] : '-', k !== 'recovered' && Number(e[k]) > 0 ? 'bad' : '', `${k}-${name}`);
      }
      const lat = e.latency_ms || {};
      cell(row, fmt(lat.p50, 2));
      cell(row, fmt(lat.p99, 2));
      for (const words of plainWords(e)) {
        const li = document.createElement('li');
        li.textContent = `${name}: ${words}`;
        list.appendChild(li);
      }
      for (const words of journeyWords(e)) {
        const li = document.createElement('li');
        li.textContent = `${name} ${words}`;
        journeys.appendChild(li);
      }
      if (Array.isArray(e.checks_skipped) && e.checks_skipped.length > 0) {
        const li = document.createElement('li');
        li.textContent = `${name}: not checked: ${e.checks_skipped.join('; ')}`;
        list.appendChild(li);
      }
    }
    const links = $('report-links');
    links.replaceChildren();
    if (record.report) {
      for (const [file, label] of [['report.json', 'JSON report'], ['report.html', 'HTML report']]) {
        const a = document.createElement('a');
        a.href = `/api/runs/${encodeURIComponent(record.run_id)}/${file}`;
        a.textContent = label;
        a.target = '_blank';
        a.rel = 'noopener';
        a.dataset.testid = `link-${file}`;
        links.appendChild(a);
        links.appendChild(document.createTextNode(' '));
      }
    }
  }

  async function verdictFor(record) {
    let report = null;
    if (record.report) {
      const res = await api('GET', `/api/runs/${encodeURIComponent(record.run_id)}/report.json`);
      if (res.ok) report = res.json;
    }
    showVerdict(record, report);
  }

  // --- past runs ---
  function renderRuns(runs) {
    const body = $('runs').tBodies[0];
    body.replaceChildren();
    for (const r of runs) {
      const row = body.insertRow();
      cell(row, r.run_id);
      cell(row, r.label);
      cell(row, r.target);
      cell(row, new Date(r.started_at * 1000).toLocaleString());
      const verdict = r.verdict === 'violated' ? `violated: ${r.violated.join(', ')}` : r.verdict;
      cell(row, verdict, r.verdict === 'ok' ? 'ok' : r.verdict === 'running' ? '' : 'violated',
        `run-verdict-${r.run_id}`);
      const links = cell(row, '');
      if (r.report) {
        links.textContent = '';
        for (const file of ['report.json', 'report.html']) {
          const a = document.createElement('a');
          a.href = `/api/runs/${encodeURIComponent(r.run_id)}/${file}`;
          a.textContent = file;
          a.target = '_blank';
          a.rel = 'noopener';
          links.appendChild(a);
          links.appendChild(document.createTextNode(' '));
        }
      }
    }
  }

  async function refreshRuns() {
    const res = await api('GET', '/api/runs');
    if (res.ok) renderRuns(res.json.runs);
    return res.ok ? res.json.runs : [];
  }

  // --- commands ---
  function formBody() {
    const value = (id) => $(id).value.trim();
    const number = (id) => (value(id) === '' ? undefined : Number(value(id)));
    const body = {
      endpoint: value('f-endpoint'),
      users: number('f-users'),
      stock: number('f-stock'),
      rate: number('f-rate'),
      expect_agents: number('f-expect-agents'),
      per_user_limit: number('f-limit'),
    };
    if (value('f-journey') === 'reserve-confirm') body.flow = RESERVE_CONFIRM;
    if (value('f-target')) body.target = value('f-target');
    if (value('f-strategy')) body.strategy = value('f-strategy');
    // Requests or a duration: a duration typed in wins. The keys are `stampede run`'s settings.
    if (value('f-duration')) body.duration = value('f-duration');
    else body.requests = number('f-requests');
    return body;
  }

  async function launch(event) {
    event.preventDefault();
    const res = await api('POST', '/api/runs', formBody());
    if (!res.ok) {
      message(res.json ? res.json.detail : `launch failed (${res.status})`);
      return;
    }
    $('verdict-section').hidden = true;
    $('run-id').textContent = res.json.run_id;
    clearCharts(res.json.run_id);
    message(`Launched ${res.json.run_id} (${res.json.label}).`, true);
    refreshRuns();
  }

  async function abortRun() {
    const res = await api('POST', '/api/abort', {});
    message(res.ok ? 'Abort requested.' : (res.json ? res.json.detail : 'abort failed'), res.ok);
  }

  async function reset() {
    const stock = Number($('f-stock').value || 100);
    const res = await api('POST', '/api/reset', { stock });
    message(res.ok ? `The target's stock is reset to ${res.json.stock}.`
      : (res.json ? res.json.detail : 'reset failed'), res.ok);
  }

  // --- start ---
  async function start() {
    makeCharts();
    $('launch-form').addEventListener('submit', launch);
    $('abort').addEventListener('click', abortRun);
    $('reset').addEventListener('click', reset);
    // A token given on the URL is now the page's cookie: keep it out of the address bar.
    if (location.search.includes('token=')) history.replaceState(null, '', '/');
    const state = await api('GET', '/api/state');
    if (state.ok) renderState(state.json);
    const runs = await refreshRuns();
    const last = runs.find((r) => r.verdict !== 'running');
    if (last && !runActive) verdictFor(last);

    const events = new EventSource('/api/events');
    events.addEventListener('update', (e) => {
      const s = JSON.parse(e.data);
      renderState(s);
      addSamples(s.samples);
    });
    events.addEventListener('verdict', (e) => {
      const record = JSON.parse(e.data);
      verdictFor(record);
      refreshRuns();
    });
    events.addEventListener('error', () => {
      $('live').textContent = 'live data lost: reconnecting…';
    });
  }

  document.addEventListener('DOMContentLoaded', start);
})();
