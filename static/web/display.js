// Site display: /display/{compound}/{site}, a TV or a spare tablet at the
// site. Who is called to which desk, the next few, the line against its
// one-metre capacity; each call is spoken (speech synthesis, with a chime;
// a chime alone where the browser has no voice for the language).
'use strict';
(function () {
  var N = natq, t = N.t, $ = N.$, text = N.text, el = N.el;
  N.words({
    title: ['叫号', 'Calls'], soundOn: ['开启声音', 'Turn sound on'], soundIsOn: ['声音已开', 'Sound on'], signInTitle: ['或输入工作人员凭证', 'Or type a staff token'], token: ['工作人员凭证', 'Staff token'], tokenHint: ['有相机的设备：在平板上点“叫号屏”→“显示二维码”，扫码打开，无需输入。', 'A device with a camera: tap "Call screen" then "Show QR code" on the tablet and scan it: nothing to type.'], signIn: ['登录', 'Sign in'],
    pairTitle: ['连接这块叫号屏', 'Connect this call screen'], pairHow: ['在采样台的平板上点“叫号屏”，输入这个配对码：', 'On the desk\'s tablet tap "Call screen" and type this pairing code:'], pairUntil: ['{0} 前有效，过期后自动换新码', 'Valid until {0}; a new code follows by itself'], pairBusy: ['配对请求过多，稍后自动重试。', 'Too many pairings asked for: trying again shortly.'],
    badToken: ['凭证无效，请检查后重试。', 'That token is not valid. Check it and try again.'], nowCalling: ['请到采样台', 'Please go to the desk'], noCall: ['请在一米线内等候叫号', 'Wait in the one-metre line for your call'], next: ['下几位', 'Next'], line: ['一米线', 'One-metre line'],
    desk: ['{0} 号台', 'Desk {0}'], occ: ['{0} / {1} 人', '{0} / {1} people'], occFull: ['队伍已满，请在楼内等候', 'Line full: wait in your building'], hh: ['{0} {1} 单元 {2}', '{0} unit {1} room {2}'], hhNoUnit: ['{0} {1}', '{0} room {1}'],
    dry: ['晴天方案', 'dry-weather plan'], wet: ['雨天方案', 'wet-weather plan'], closed: ['{0}：本采样点暂停使用', 'This site is not in use in the {0}'], goTo: ['请到 {0}', 'Go to {0}'], atHome: ['上门采样', 'Sampled at home'],
    movedSay: ['{0}已启用，本采样点暂停使用。', 'The {0} is on: this site is not in use.'], movedSayTo: ['{0}请到{1}采样。', '{0}: go to {1} for sampling.'], movedSayHome: ['{0}上门采样，请在家等候。', '{0}: sampled at home, wait there.'],
    noSite: ['找不到这个采样点。', 'No such site.'], retrying: ['连接中断，正在重试……', 'Connection lost: trying again…'], nobody: ['—', '—'], no: ['{0} 号票', 'No. {0}']
  });
  N.translate();

  var parts = location.pathname.split('/').map(decodeURIComponent);
  var st = { compound: parts[2] || '', site: parts[3] || '', token: '', line: null, audio: null, es: null };
  var where = st.compound + '~' + st.site;
  // What the page announced, for whoever checks it (and the tests).
  var record = window.natqDisplay = { calls: [], chimes: 0 };
  // The display's own token: from its link (a tablet's "叫号屏二维码",
  // the token after #t=, taken off the address at once so that it stays
  // in no history or bookmark), else the one it kept, else a staff token
  // this browser signed in with. It keeps its own apart from the staff
  // page's: a coordinator's tablet that opens a display link stays the
  // coordinator's.
  var KEEP = 'natq.display.token';
  var linked = /^#t=([^&]+)/.exec(location.hash);
  if (linked) {
    try { st.token = decodeURIComponent(linked[1]); } catch (e) {}
    try { localStorage.setItem(KEEP, st.token); } catch (e) {}
    try { history.replaceState(null, '', location.pathname + location.search); } catch (e) {}
  }
  if (!st.token) try { st.token = localStorage.getItem(KEEP) || localStorage.getItem('natq.staff.token') || ''; } catch (e) {}

  function enc(s) { return encodeURIComponent(s); }
  function notice(msg) { var n = $('notice'); text(n, msg); n.hidden = !msg; }

  // load reads the site's line and shows it: true once shown. A read that
  // failed for a while only (no network, the service busy or restarting)
  // leaves st.retry set, for reread to try again.
  function load() {
    return N.api('GET', '/api/v1/sites/' + enc(where) + '/line', undefined, st.token).then(function (res) {
      st.retry = res.status === 0 || res.status === 429 || res.status >= 500;
      if (res.status === 401 || res.status === 403) { signin(true); return false; }
      if (res.status === 404) { notice(t('noSite')); return false; }
      // The display tries again by itself: nobody stands at it to.
      if (res.status !== 200) { notice(st.retry ? t('retrying') : N.errorText(res)); return false; }
      notice('');
      var was = st.line;
      st.line = res.body;
      unheard(st.line);
      if (res.body.closed && was && !was.closed) sayClosed(res.body);
      render();
      return true;
    });
  }
  function signin(bad) {
    $('board').hidden = true; $('signin').hidden = false;
    if (!st.line) text('sname', st.site);
    $('serr').hidden = !(bad && st.token); text('serr', t('badToken'));
    pairing.show();
  }

  // pairing: a screen with no token and no camera shows a six-digit code
  // (the service's, for this site) for a marshal to type on the desk's
  // tablet, and asks every POLL ms whether it was; once it was, the
  // answer holds the screen's own token. The pairing is kept for the
  // tab's life (a reload shows the same code); a code that ended is
  // replaced by a new one. The service's clock decides when a code
  // ends: a TV's clock is often wrong.
  var pairing = (function () {
    var POLL = 2000, KEEPP = 'natq.display.pairing.' + where, base = '/api/v1/sites/' + enc(where) + '/pairings';
    var cur = null, timer = null;
    try { cur = JSON.parse(sessionStorage.getItem(KEEPP) || 'null'); } catch (e) {}
    function later(f, ms) { clearTimeout(timer); timer = setTimeout(f, ms); }
    function keep(p) { cur = p; try { if (p) sessionStorage.setItem(KEEPP, JSON.stringify(p)); else sessionStorage.removeItem(KEEPP); } catch (e) {} }
    function draw(note) {
      text('paircode', cur ? cur.code.slice(0, 3) + ' ' + cur.code.slice(3) : '');
      text('pairnote', note != null ? note : cur ? t('pairUntil', N.hm(cur.expires)) : '');
    }
    function fresh() {
      N.api('POST', base, undefined).then(function (res) {
        if ($('signin').hidden) return;
        if (res.status === 201 && res.body) { keep(res.body); draw(); later(poll, POLL); return; }
        // No such site (a mistyped link): no code to show, and none to pair.
        if (res.status === 404) { notice(t('noSite')); $('pair').hidden = true; return; }
        draw(res.status === 429 ? t('pairBusy') : t('retrying'));
        later(fresh, res.status === 429 ? 30000 : 5000);
      });
    }
    function poll() {
      if ($('signin').hidden) return;
      if (!cur) { fresh(); return; }
      N.api('POST', base + '/poll', { secret: cur.secret }).then(function (res) {
        if ($('signin').hidden) return;
        var b = res.body;
        if (res.status === 200 && b && b.state === 'paired' && b.display) { keep(null); paired(b.display); return; }
        if (res.status === 404) { keep(null); draw(''); fresh(); return; }
        draw(res.status === 200 ? null : t('retrying'));
        later(poll, POLL);
      });
    }
    // paired takes the screen's token; for another site than this
    // address's (the marshal chose), the page opens that site's.
    function paired(d) {
      st.token = d.token;
      try { localStorage.setItem(KEEP, st.token); } catch (e) {}
      if (d.site !== st.site) { location.replace('/display/' + enc(st.compound) + '/' + enc(d.site) + '#t=' + encodeURIComponent(d.token)); return; }
      begin();
    }
    return { show: function () { draw(); later(poll, 0); } };
  })();

  // A building named "14号楼" is said "14 号楼"; a room digit by digit.
  function said(e, lang) {
    var b = e.building_name || e.building, m = /^(\d+)\s*号?楼$/.exec(b);
    var room = String(e.room).split('').join(' ');
    if (lang === 'en') {
      return (m ? 'Building ' + m[1] : b) + (e.unit ? ', unit ' + e.unit : '') + ', room ' + room + ', please go to desk ' + e.desk + ' for sampling.';
    }
    return '请 ' + (m ? m[1] + ' 号楼' : b) + ' ' + (e.unit ? e.unit + ' 单元 ' : '') + room + ' 号到 ' + e.desk + ' 号台采样';
  }
  record.say = said;
  function shown(e) {
    var b = e.building_name || e.building;
    return e.unit ? t('hh', b, e.unit, e.room) : t('hhNoUnit', b, e.room);
  }

  // drawClosed shows where the site's buildings go when the round's plan
  // (the rain switch) has no place for the site: residents who come to
  // it read where to go instead of an empty line.
  function drawClosed(l) {
    $('closed').hidden = !l.closed; $('open').hidden = !!l.closed; $('lower').hidden = !!l.closed;
    if (!l.closed) return;
    text('closedmsg', t('closed', t(l.variant)));
    var ul = N.clear($('closedto'));
    (l.moved_to || []).forEach(function (m) {
      var li = el('li');
      li.appendChild(el('span', 'cto', m.site ? t('goTo', m.site_name || m.site) : t('atHome')));
      li.appendChild(el('span', 'cbs', m.buildings.join(N.lang() === 'en' ? ', ' : '、')));
      ul.appendChild(li);
    });
  }
  function render() {
    var l = st.line;
    if (!l) return;
    $('signin').hidden = true; $('board').hidden = false;
    text('sname', l.site_name || l.site);
    document.title = (l.site_name || l.site) + ' · ' + t('title');
    drawClosed(l);
    var ol = N.clear($('calls'));
    var calls = l.called.slice().sort(function (a, b) { return Date.parse(b.called_at) - Date.parse(a.called_at); });
    calls.forEach(function (e, i) {
      var li = el('li', i === 0 ? 'latest' : '');
      li.setAttribute('data-ticket', String(e.id));
      li.appendChild(el('span', 'cno', t('no', e.id)));
      li.appendChild(el('span', 'chh', shown(e)));
      li.appendChild(el('span', 'cdesk', t('desk', e.desk)));
      ol.appendChild(li);
    });
    $('nocall').hidden = calls.length > 0;
    var nx = N.clear($('next'));
    l.waiting.slice(0, 5).forEach(function (e) {
      var li = el('li');
      li.appendChild(el('span', 'cno', t('no', e.id)));
      li.appendChild(el('span', 'chh', shown(e)));
      nx.appendChild(li);
    });
    if (!l.waiting.length) nx.appendChild(el('li', 'muted', t('nobody')));
    var cap = l.line_capacity || 0, n = l.in_line || 0, frac = cap ? Math.min(1, n / cap) : 0;
    $('doccfill').style.width = (frac * 100).toFixed(1) + '%';
    var full = cap > 0 && n >= cap;
    $('docc').classList.toggle('full', full);
    text('doccnum', t('occ', n, cap) + (full ? ' · ' + t('occFull') : ''));
  }

  // chime plays two soft tones (WebAudio), before every call.
  function chime() {
    var AC = window.AudioContext || window.webkitAudioContext;
    if (!AC) return;
    try {
      if (!st.audio) st.audio = new AC();
      var ctx = st.audio, t0 = ctx.currentTime + 0.02;
      if (ctx.state === 'suspended' && ctx.resume) ctx.resume();
      [[880, 0], [660, 0.25]].forEach(function (p) {
        var o = ctx.createOscillator(), g = ctx.createGain();
        o.type = 'sine'; o.frequency.value = p[0];
        g.gain.setValueAtTime(0.0001, t0 + p[1]);
        g.gain.exponentialRampToValueAtTime(0.5, t0 + p[1] + 0.03);
        g.gain.exponentialRampToValueAtTime(0.0001, t0 + p[1] + 0.4);
        o.connect(g); g.connect(ctx.destination);
        o.start(t0 + p[1]); o.stop(t0 + p[1] + 0.45);
      });
      record.chimes++;
    } catch (e) {}
  }
  // voice finds a voice for the page's language; null where there is
  // none (no Chinese voice installed, or no speech at all: Android
  // WebView), and then the chime is the call.
  function voice(lang) {
    var ss = window.speechSynthesis;
    if (!ss || !ss.getVoices || !window.SpeechSynthesisUtterance) return null;
    var vs = ss.getVoices() || [], want = lang === 'en' ? /^en/i : /^(zh|cmn)/i;
    for (var i = 0; i < vs.length; i++) if (want.test(vs[i].lang || '')) return vs[i];
    return null;
  }
  // sayClosed says once, as the site closes (the rain switch thrown while
  // the display is on), where its buildings go now.
  function sayClosed(l) {
    var lang = N.lang(), v = voice(lang), words = t('movedSay', t(l.variant));
    (l.moved_to || []).forEach(function (m) {
      var bs = m.buildings.join(lang === 'en' ? ', ' : '、');
      words += (lang === 'en' ? ' ' : '') + (m.site ? t('movedSayTo', bs, m.site_name || m.site) : t('movedSayHome', bs));
    });
    chime();
    record.moves = (record.moves || []).concat([{ text: words, spoken: !!v, lang: lang }]);
    text('said', words);
    if (v) speak(words, v, lang);
  }
  function speak(words, v, lang) {
    setTimeout(function () {
      var u = new window.SpeechSynthesisUtterance(words);
      u.lang = lang === 'en' ? 'en-US' : 'zh-CN';
      try { u.voice = v; } catch (x) {}
      u.rate = 0.9;
      window.speechSynthesis.speak(u);
    }, 500);
  }
  function announce(e) {
    var lang = N.lang(), words = said(e, lang), v = voice(lang);
    chime();
    record.calls.push({ id: e.id, desk: e.desk, text: words, spoken: !!v, lang: lang });
    text('said', words);
    if (v) speak(words, v, lang);
  }

  // onEvent reads the line again for a change of it. The site's stream
  // carries no bookings here (only the tablet asks for them, ?bookings=1);
  // changes that come while a read is under way are read once, after it:
  // a burst of changes is not a read each. A read that failed for a while
  // only is tried again every RETRY ms until one gets through.
  var RETRY = 2000;
  var reading = false, again = false, retrying = null;
  // A call is said when a read first shows it: heard holds each call read,
  // by ticket and call time, so it comes to be said whether its event
  // arrived or was lost in a break of the stream, and is said once. One
  // older than MISSED_FOR ms by the service's clock is not said (after a
  // long break its desk has dealt with it), nor the calls on the screen at
  // the first read (they were said before it). A desk's repeat comes as
  // an event (repeats) and is said again.
  var MISSED_FOR = 120000;
  var heard = null, fresh = [], repeats = [];
  function key(e) { return e.id + '|' + e.called_at; }
  function unheard(l) {
    var first = heard === null, now = Date.parse(l.now);
    if (first) heard = {};
    l.called.slice().sort(function (a, b) { return Date.parse(a.called_at) - Date.parse(b.called_at); }).forEach(function (e) {
      if (heard[key(e)]) return;
      heard[key(e)] = true;
      if (!first && !(now - Date.parse(e.called_at) > MISSED_FOR)) fresh.push(e.id);
    });
  }
  function onEvent(ev) {
    if (ev && ev.type === 'repeat' && ev.ticket_id) repeats.push(ev.ticket_id);
    reread();
  }
  function reread() {
    if (reading) { again = true; return; }
    if (retrying) { clearTimeout(retrying); retrying = null; }
    var due = repeats;
    repeats = [];
    reading = true;
    function done(ok) {
      reading = false;
      if (ok) {
        var say = fresh.concat(due.filter(function (id) { return fresh.indexOf(id) < 0; }));
        fresh = [];
        say.forEach(function (id) {
          var e = st.line.called.filter(function (x) { return x.id === id; })[0];
          if (e) announce(e);
        });
      } else if (st.retry) {
        repeats = due.concat(repeats);
      }
      if (again) { again = false; reread(); return; }
      if (!ok && st.retry) retrying = setTimeout(reread, RETRY);
    }
    load().then(done, function () { st.retry = true; done(false); });
  }
  function watch() {
    if (st.es) return;
    st.es = N.listen('/api/v1/sites/' + enc(where) + '/events', onEvent, reread);
  }

  $('signform').addEventListener('submit', function (ev) {
    ev.preventDefault();
    st.token = $('token').value.trim();
    load().then(function (ok) {
      if (!ok) return;
      try { localStorage.setItem(KEEP, st.token); } catch (e) {}
      watch();
    });
  });
  // Browsers let a page make sound only after a tap: one tap on the
  // display starts its audio (and a first chime to check the speakers).
  $('sound').addEventListener('click', function () { chime(); text('sound', t('soundIsOn')); $('sound').classList.add('on'); });
  N.langButton('lang');
  N.onLang.push(render);
  // begin reads the line, then follows it; a first read that fails for a
  // while only (a TV switched on before the site's Wi-Fi is up, natq
  // restarting) is tried again every RETRY ms: nobody stands at the
  // screen to reload it.
  function begin() {
    load().then(function (ok) {
      if (ok) watch();
      else if (st.retry) setTimeout(begin, RETRY);
    }, function () { setTimeout(begin, RETRY); });
  }
  if (!st.token) signin(false);
  else begin();
  setInterval(function () { if (st.es) reread(); }, 10000);
})();
