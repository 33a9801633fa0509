// natq pages: shared helpers. Data from the server is only ever put into
// the page with textContent or as attribute values, never as HTML.
'use strict';
var natq = (function () {
  var dict = { zh: {}, en: {} };
  var lang = 'zh';
  try { lang = localStorage.getItem('natq.lang') === 'en' ? 'en' : 'zh'; } catch (e) {}

  // words adds a page's words, each key with its [Chinese, English]; null
  // where one language has no such word (English "1 person", say).
  function words(table) {
    Object.keys(table).forEach(function (k) {
      if (table[k][0] != null) dict.zh[k] = table[k][0];
      if (table[k][1] != null) dict.en[k] = table[k][1];
    });
  }
  // t looks a word up and fills {0}, {1}, ... with the arguments.
  function t(key) {
    var s = dict[lang][key];
    if (s === undefined) s = dict.zh[key];
    if (s === undefined) return key;
    var args = Array.prototype.slice.call(arguments, 1);
    return s.replace(/\{(\d)\}/g, function (_, i) { return args[+i] === undefined ? '' : String(args[+i]); });
  }
  // tn is t for a count n (the first argument): English says "1 person",
  // "2 people"; a key ending in 1 ("aheadN1") holds the singular.
  function tn(key, n) {
    var k = n === 1 && (dict[lang][key + '1'] !== undefined) ? key + '1' : key;
    return t.apply(null, [k].concat(Array.prototype.slice.call(arguments, 1)));
  }
  function $(id) { return document.getElementById(id); }
  function text(node, s) { if (typeof node === 'string') node = $(node); if (node) node.textContent = s == null ? '' : String(s); return node; }
  function el(tag, cls, s) {
    var n = document.createElement(tag);
    if (cls) n.className = cls;
    if (s != null) n.textContent = String(s);
    return n;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  // translate fills every element with data-t from the dictionary.
  function translate() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    var ns = document.querySelectorAll('[data-t]');
    for (var i = 0; i < ns.length; i++) ns[i].textContent = t(ns[i].getAttribute('data-t'));
    var ps = document.querySelectorAll('[data-tp]');
    for (var j = 0; j < ps.length; j++) ps[j].setAttribute('placeholder', t(ps[j].getAttribute('data-tp')));
  }
  var onLang = [];
  function setLang(l) {
    lang = l;
    try { localStorage.setItem('natq.lang', l); } catch (e) {}
    translate();
    onLang.forEach(function (f) { f(); });
  }
  function langButton(id) {
    var b = $(id);
    function label() { b.textContent = lang === 'zh' ? 'English' : '中文'; b.lang = lang === 'zh' ? 'en' : 'zh-CN'; }
    label();
    b.addEventListener('click', function () { setLang(lang === 'zh' ? 'en' : 'zh'); label(); });
  }

  // api calls the JSON API. It resolves to {status, body}; a network
  // failure resolves to status 0, so every caller handles one shape.
  function api(method, url, body, token) {
    var h = { 'Accept': 'application/json' };
    var opts = { method: method, headers: h, cache: 'no-store' };
    if (token) h['Authorization'] = 'Bearer ' + token;
    if (body !== undefined) { h['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (s) {
        var b = null;
        try { b = s ? JSON.parse(s) : null; } catch (e) { b = null; }
        shown(b);
        return { status: r.status, body: b };
      });
    }, function () { return { status: 0, body: null }; });
  }
  // errorText is a refusal as the reader's language has it.
  function errorText(res) {
    var e = res.body && res.body.error;
    if (res.status === 0) return t('errNetwork');
    if (res.status === 429) return t('errRate');
    if (e) return lang === 'en' ? (e.message_en || e.message) : (e.message || e.message_en);
    if (res.status >= 500) return t('errServer');
    return t('errUnknown', res.status);
  }
  function errorCode(res) { return res.body && res.body.error ? res.body.error.code : ''; }

  // hm is the local wall time of an RFC 3339 time with offset: the
  // service writes times in the compound's zone, so the clock reads as on
  // the printed sheets whatever the phone's zone.
  function hm(s) { return typeof s === 'string' && s.length >= 16 ? s.slice(11, 16) : ''; }
  function span(w) { return w ? hm(w.start) + '–' + hm(w.end) : ''; }
  // both picks the reader's half of a text the service writes in Chinese,
  // then English, joined by " / " (the forecast's method line).
  function both(s) {
    var i = typeof s === 'string' ? s.indexOf(' / ') : -1;
    if (i < 0) return s || '';
    return lang === 'en' ? s.slice(i + 3) : s.slice(0, i);
  }

  // listen opens a server-sent event stream and calls f with each event's
  // parsed data, whatever the event's name.
  var names = ['message', 'booked', 'checked_in', 'called', 'recalled', 'requeued', 'repeat', 'party', 'sampled', 'no_show', 'cancelled', 'moved', 'variant', 'update', 'ticket', 'site', 'status'];
  // Every ticket change has a version; events may arrive out of order
  // (two instances telling of two changes), so a page keeps, per ticket,
  // the highest version it has shown, from the API's answers (shown) and
  // from each stream, and drops an event older than that.
  var versions = {};
  function shown(b) {
    if (!b || typeof b !== 'object') return;
    (b.tickets || [b]).forEach(function (x) {
      var tk = x && (x.ticket && typeof x.ticket === 'object' ? x.ticket : x);
      if (tk && tk.id && tk.version && !(versions[tk.id] >= tk.version)) versions[tk.id] = tk.version;
    });
  }
  function stale(d, seen) {
    if (!d || !d.version) return false;
    var id = d.ticket ? d.ticket.id : d.ticket_id;
    if (!id) return false;
    if (seen[id] >= d.version) return true;
    seen[id] = d.version;
    // A whole ticket older than one the page fetched is older state.
    if (d.ticket && versions[id] > d.version) return true;
    if (d.ticket) versions[id] = d.version;
    return false;
  }
  // A stream that ends for good is opened again: the browser's EventSource
  // gives up on a stream answered with anything but 200 (natq restarting
  // behind a proxy's 502, a 503 while Redis is away), and the page would
  // follow nothing more until reloaded. It waits GAP_FIRST ms, twice as
  // long each time up to GAP_MOST, and a random part of that more, so that
  // a site's phones do not all come back in one moment. gap (when given)
  // is called each time a stream opens again after a break, of either
  // kind: the events of the break are lost, and the page reads anew.
  var GAP_FIRST = 2000, GAP_MOST = 30000;
  // A page shows #offline while one of its streams has been away for
  // OFFLINE_AFTER ms (a quick reconnect does not flicker it): what it
  // shows may be out of date until the stream is back.
  var OFFLINE_AFTER = 5000, away = {}, nstreams = 0, offTimer = 0;
  function offline() {
    var n = document.getElementById('offline');
    if (!n) return;
    var down = Object.keys(away).length > 0;
    if (!down) { clearTimeout(offTimer); offTimer = 0; n.hidden = true; return; }
    if (!n.hidden || offTimer) return;
    offTimer = setTimeout(function () { offTimer = 0; n.hidden = !Object.keys(away).length; }, OFFLINE_AFTER);
  }
  // A page left for another may be kept whole, its streams open (the
  // back/forward cache): after a few pages a browser holds six streams
  // to natq, the most it opens to one host, and the next page never
  // loads. So a page's streams close when it is hidden, and open again,
  // the page read afresh (gap), when it is shown from the cache.
  // The same holds for pages open in other tabs (a ticket link opened
  // again from a chat makes a new one): a page out of sight closes its
  // streams too, and opens them again, read afresh, when it is shown.
  var live = {}, asleep = false;
  function sleep() {
    if (asleep) return;
    asleep = true;
    Object.keys(live).forEach(function (k) { var h = live[k]; clearTimeout(h.timer); if (h.es) h.es.close(); });
  }
  function wake() {
    if (!asleep) return;
    asleep = false;
    Object.keys(live).forEach(function (k) { live[k].reopen(); });
  }
  window.addEventListener('pagehide', sleep);
  window.addEventListener('pageshow', function (ev) { if (ev.persisted) wake(); });
  document.addEventListener('visibilitychange', function () { if (document.hidden) sleep(); else wake(); });
  function listen(url, f, gap) {
    var sid = ++nstreams;
    var h = { url: url, es: null, closed: false, close: function () { h.closed = true; clearTimeout(h.timer); if (h.es) h.es.close(); delete away[sid]; delete live[sid]; offline(); } };
    live[sid] = h;
    h.reopen = function () { if (h.closed) return; open(); if (gap) gap(true); }; // gap(true): woken, not back from a break
    if (asleep) { h.es = null; return h; } // opened by a page out of sight: at wake
    var seen = {}, opened = false, wait = GAP_FIRST;
    function open() {
      var es = h.es = new EventSource(url);
      names.forEach(function (n) {
        es.addEventListener(n, function (ev) {
          var d = null;
          try { d = JSON.parse(ev.data); } catch (e) { d = null; }
          if (d && typeof d === 'object' && !d.type && n !== 'message') d.type = n;
          if (stale(d, seen)) return;
          // natq's own subscription to Redis broke and is back: events
          // of the break are lost, as in a break of this stream.
          if (d && d.type === 'resync' && gap) { gap(); return; }
          f(d || { type: n });
        });
      });
      es.addEventListener('open', function () {
        wait = GAP_FIRST;
        delete away[sid]; offline();
        if (opened && gap) gap();
        opened = true;
      });
      es.addEventListener('error', function () {
        if (h.closed) return;
        away[sid] = true; offline();
        if (es.readyState !== 2) return; // 2: CLOSED; else the browser tries again itself
        h.timer = setTimeout(function () { if (!h.closed) open(); }, wait + Math.floor(Math.random() * wait / 2));
        wait = Math.min(GAP_MOST, wait * 2);
        opened = true;
      });
    }
    open();
    return h;
  }

  // Pages translate once their words are in (a page translated before
  // would show its keys).
  words({
    errNetwork: ['网络连接失败，请检查网络后重试。', 'No connection. Check the network and try again.'],
    errRate: ['操作太频繁，请等一分钟再试。', 'Too many tries. Wait a minute and try again.'],
    errServer: ['服务器暂时出错，请稍后再试。', 'The server had a problem. Try again shortly.'],
    errUnknown: ['出错了（{0}），请稍后再试。', 'Something went wrong ({0}). Try again shortly.'],
    offline: ['实时更新中断，正在重新连接……', 'Live updates interrupted: reconnecting…']
  });
  return {
    words: words, t: t, tn: tn, $: $, text: text, el: el, clear: clear, translate: translate,
    lang: function () { return lang; }, onLang: onLang, langButton: langButton,
    api: api, errorText: errorText, errorCode: errorCode, hm: hm, span: span, both: both, listen: listen
  };
})();
