// Resident page: /c/{compound}/b/{building} (the door QR) and /t/{ticket}.
'use strict';
(function () {
  var N = natq, t = N.t, $ = N.$, text = N.text;
  N.words({
    title: ['核酸采样', 'Covid testing'], unitsList: ['（{0}）', ' ({0})'], sep: ['、', ', '], sepUnits: ['；', '; '], floorsN: ['{0} 层', 'floors {0}'], site: ['采样点', 'Site'], when: ['时段', 'Time'], ahead: ['前面', 'Ahead'], household: ['住户', 'Household'], ticketNo: ['票号', 'Ticket'],
    cancel: ['取消预约', 'Cancel booking'], bookTitle: ['预约采样时间', 'Book a time'], unit: ['单元', 'Unit'], room: ['房号', 'Room'], roomHint: ['例如 302', 'e.g. 302'],
    party: ['来采样的人数', 'People coming'], bookButton: ['预约', 'Book'], booking: ['正在预约…', 'Booking…'], howTo: ['怎么走', 'How to get there'],
    keyHome: ['您的楼', 'Your building'], keySite: ['采样点', 'Sampling site'], keyRoute: ['去的路线', 'Way there'], keyBack: ['回来的路线', 'Way back'],
    unitN: ['{0} 单元', 'Unit {0}'], people: ['{0} 人', '{0} people'], aheadN: ['{0} 人', '{0} people'], aheadNone: ['没有人，马上轮到您', 'Nobody: you are next'], aheadRecalled: ['没有人；正在叫的人之后再叫您', 'Nobody: you are called again after the one called now'],
    hh: ['{0} 单元 {1} 室，{2} 人', 'Unit {0}, room {1}, {2} people'], hhNoUnit: ['{1} 室，{2} 人', 'Room {1}, {2} people'], hhNoUnit1: ['{1} 室，{2} 人', 'Room {1}, {2} person'], rainOn: ['今天下雨：已换成雨天方案，请按新的采样点和路线走。', 'Rain today: the rain plan is on. Follow the new site and route.'],
    walk: ['步行约 {0} 米，{1} 分钟。', 'About {0} m on foot, {1} min.'], uncovered: ['其中 {0} 米没有遮挡，请带伞。', '{0} m of it has no shelter: bring an umbrella.'], allCovered: ['全程有遮挡。', 'Sheltered all the way.'],
    noWindows: ['本楼今天没有安排时段，请联系楼组长。', 'No time is set for this building today; ask your building volunteer.'], doorToDoor: ['本楼上门采样，请在家等候。', 'This building is sampled at home: please wait at home.'], noRoute: ['方案里没有本楼到{0}的路线，图上只标出采样点：请问楼组长或按现场指示走。', 'The plan draws no route from this building to {0}; the map shows the site only: ask your building volunteer or follow the signs.'],
    stBooked: ['已预约', 'Booked'], stChecked: ['已签到，正在排队', 'Checked in: in line'], stCalled: ['轮到您了！请到采样台', 'Your turn! Go to the desk'],
    stSampled: ['已采样，谢谢配合！', 'Sampled. Thank you!'], hHome: ['已由上门采样人员在家中采样。', 'Sampled at home by the door-to-door team.'], atHomeSite: ['上门采样', 'At home'], stNoShow: ['已过号', 'Missed'], stCancelled: ['已取消', 'Cancelled'],
    hBooked: ['请在时段开始时到采样点，把这个二维码给志愿者扫。', 'Come to the site when your time starts and show this code to a volunteer.'], hChecked: ['请保持一米距离，听到叫号再上前。', 'Keep one metre apart and come forward when called.'],
    hCalled: ['请拿好这个二维码，到采样台。', 'Show this code at the desk.'], hSampled: ['可以回家了，请按回来的路线走。', 'You can go home: follow the way back.'],
    hNoShow: ['叫了几次没有到。请重新预约，或找现场志愿者。', 'You were called and did not come. Book again or ask a volunteer at the site.'], hCancelled: ['这张票已取消，可以重新预约。', 'This ticket is cancelled; you can book again.'],
    errRoom: ['请填写房号。', 'Please fill in your room number.'], errFull: ['本楼所有时段都已约满。每个时段都给现场留了名额：请在本楼的时段内到采样点，由志愿者安排；也可以联系楼组长。', 'Every time for this building is full. Each time keeps places for walk-ins: come to the site during your building\'s time and a volunteer will fit you in, or ask your building volunteer.'],
    errNoBuilding: ['本小区没有这栋楼。请重新扫描楼门上的二维码。', 'This compound has no such building. Scan the QR code on your building door again.'], errNoCompound: ['找不到这个小区。请重新扫描楼门上的二维码。', 'No such compound. Scan the QR code on your building door again.'],
    errNoTicket: ['找不到这张票（可能已取消，或不是本小区的）。', 'This ticket cannot be found (cancelled, or not of this compound).'], confirmCancel: ['确定取消这次预约吗？', 'Cancel this booking?'],
    moved: ['采样点或时间已改变，请看下面的新安排。', 'Your site or time has changed: see below.'], called: ['轮到您了！', 'Your turn!'],
    turn: ['预计轮到', 'Turn'], turnIn: ['约 {0}（{1} 分钟后）', 'about {0}, in {1} min'], turnCome: ['约 {0}（排队约 {1} 分钟）', 'about {0} ({1} min in line)'],
    stFull: ['一米线现在已满', 'The line is full now'], hFull: ['采样点的一米线已排满（{0} / {1} 人）：请先在楼内等候，过几分钟再看这里，有空位就会显示。', 'The one-metre line at the site is full ({0} / {1} people): wait in your building and look here again in a few minutes; it shows when there is room.'],
    stMissed: ['刚才叫过您', 'You were called'], hMissed: ['叫号时您没有到采样台。请留在一米线内，稍后会再叫您，听到叫号请马上上前。', 'You did not come to the desk when called. Stay in the one-metre line: you will be called again; come forward at once when you are.'],
    stSoon: ['快轮到您了', 'Your turn soon'], hSoon: ['请留在一米线内，听到叫号就上前。', 'Stay in the one-metre line and come forward when called.'], stCalledDesk: ['请现在到 {0} 号台', 'Go to desk {0} now'],
    movedLine: ['雨天改用雨天方案：请现在到 {0}，您的排队位置保留。', 'Rain plan: go to {0} now; you keep your place in line.'], keptLine: ['雨天方案已启用：您的采样点不变，排队位置保留。', 'Rain plan on: your site stays the same and you keep your place in line.'],
    bwinsTitle: ['本楼的时段', 'This building\'s times'], lostTitle: ['找不到这张票', 'Ticket not found'],
    lostMsg: ['这个链接不是有效的票（可能抄错了、已取消，或不是本小区的）。请回到您的楼的页面重新预约，或找现场志愿者。', 'This link is not a valid ticket (mistyped, cancelled, or of another compound). Go back to your building\'s page to book again, or ask a volunteer at the site.'],
    partyChanged: ['这户已有预约：人数已改为 {0} 人。', 'This household had booked: the party is now {0} people.'], partyChanged1: ['这户已有预约：人数已改为 {0} 人。', 'This household had booked: the party is now {0} person.'], sameTicket: ['这户已经预约过，这是原来的票。', 'This household had booked already: here is its ticket.'],
    partyEdit: ['来采样的人数有变？', 'Is a different number of people coming?'], partySave: ['改为 {0} 人', 'Change to {0} people'], partySave1: ['改为 {0} 人', 'Change to {0} person'],
    partySaveSame: ['用 + − 选好人数', 'Choose the party with + −'],
    partyNow: ['人数已改为 {0} 人。', 'The party is now {0} people.'], partyNow1: ['人数已改为 {0} 人。', 'The party is now {0} person.'],
    rainInLine: ['下雨了，已换成雨天方案：您已在排队，请到 {0}，排队位置保留。', 'Rain plan on: you are in line; go to {0}, your place is kept.'],
    students: ['只为家里的学生预约学生专场（放学后 {0}）', 'Only the household\'s students, in the students\' period (after school, {0})'], partyStudents: ['来采样的学生人数', 'Students coming'],
    studentsWhen: ['学生专场 {0}', 'Students\' period, {0}'], otherStudents: ['为家里的学生另约学生专场（放学后 {0}）', 'Book the household\'s students for the students\' period (after school, {0})'],
    otherRest: ['为家里其他人预约', 'Book the rest of the household'], seeStudents: ['本户学生专场的票 →', 'The household\'s students\' ticket →'], seeRest: ['本户其他人的票 →', 'The rest of the household\'s ticket →'],
    lostBuilding: ['回到 {0} 的页面', 'Back to {0}'], lostPick: ['请选择您的楼：', 'Choose your building:'], people1: ['{0} 人', '{0} person'], aheadN1: ['{0} 人', '{0} person'], hh1: ['{0} 单元 {1} 室，{2} 人', 'Unit {0}, room {1}, {2} person']
  });
  N.translate();

  // other is the booking form opened from a ticket for the rest of the
  // household: its students (true) or the others (false); null when the
  // form is the building's own.
  var st = { compound: '', building: '', token: '', map: null, status: null, ticket: null, variant: 'dry', party: 1, tparty: 0, streams: {}, other: null };
  var parts = location.pathname.split('/').map(decodeURIComponent);
  if (parts[1] === 'c' && parts[3] === 'b') { st.compound = parts[2]; st.building = parts[4]; }
  if (parts[1] === 't') st.token = parts[2];

  // A phone keeps the household's ticket, and its students' (the
  // students' period) apart.
  function key(students) { return 'natq.ticket.' + st.compound + '.' + st.building + (students ? '.students' : ''); }
  function remember(tok, students) { try { if (tok) localStorage.setItem(key(students), tok); else localStorage.removeItem(key(students)); } catch (e) {} }
  function recalled(students) { try { return localStorage.getItem(key(students)) || ''; } catch (e) { return ''; } }
  // phoneKey is this phone's own secret, made once and sent with every
  // booking: the service gives the household's ticket again to the phone
  // that booked it (an answer lost on a crowded cell, the ticket
  // forgotten), and to no one else who types its room number.
  var memKey = '';
  function phoneKey() {
    var k = '';
    try { k = localStorage.getItem('natq.key') || ''; } catch (e) {}
    if (/^[0-9a-f]{32}$/.test(k)) return k;
    if (!memKey) {
      var b = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(b);
      memKey = Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
    }
    try { localStorage.setItem('natq.key', memKey); } catch (e) {}
    return memKey;
  }
  // studentsSpan is the students' period the building's students book in
  // variant v, from the first of its windows to the last (the building's
  // map lists them: planfile's StudentsWindows); null when the plan has
  // none, or the building is sampled at home.
  function studentsSpan(v) {
    var ws = (st.map ? st.map.windows : []).filter(function (w) { return w.students && w.variant === v; });
    if (!ws.length) return null;
    var sp = { start: ws[0].start, end: ws[0].end };
    ws.forEach(function (w) { if (w.start < sp.start) sp.start = w.start; if (w.end > sp.end) sp.end = w.end; });
    return sp;
  }

  // notice shows a message; given as a function it is worded again when
  // the language changes.
  var noticeFn = null;
  function notice(msg, info) {
    noticeFn = typeof msg === 'function' ? msg : null;
    var n = $('notice'), s = noticeFn ? noticeFn() : msg;
    text(n, s); n.hidden = !s;
    n.classList.toggle('info', !!info);
  }
  function lastPage() { try { return localStorage.getItem('natq.last') || ''; } catch (e) { return ''; } }
  function bookError(msg) { var n = $('berr'); text(n, msg); n.hidden = !msg; }

  function building() {
    var bs = st.map ? st.map.buildings : [];
    for (var i = 0; i < bs.length; i++) if (bs[i].id === st.building) return bs[i];
    return null;
  }
  function site(id, variant) {
    var ss = st.map ? st.map.sites : [];
    for (var i = 0; i < ss.length; i++) if (ss[i].id === id && ss[i].variant === variant) return ss[i];
    for (var j = 0; j < ss.length; j++) if (ss[j].id === id) return ss[j];
    return null;
  }
  function siteName(id, variant) { var s = site(id, variant); return s && s.name ? s.name : id; }
  // variant is the weather plan in force: the ticket's, else the compound's.
  function variant() { return (st.ticket && st.ticket.state !== 'sampled' && st.ticket.variant) || st.variant || 'dry'; }

  function load() {
    var first = st.token ? N.api('GET', '/api/v1/tickets/' + encodeURIComponent(st.token)) : Promise.resolve(null);
    return first.then(function (res) {
      if (res) {
        if (res.status === 404) { lost(); return; }
        if (res.status !== 200) { notice(function () { return N.errorText(res); }); return; }
        st.ticket = res.body; st.compound = res.body.compound; st.building = res.body.household.building;
      }
      if (!st.compound) { notice(t('errNoCompound')); return; }
      return Promise.all([
        N.api('GET', '/api/v1/compounds/' + encodeURIComponent(st.compound) + '/map.json?building=' + encodeURIComponent(st.building)),
        N.api('GET', '/api/v1/compounds/' + encodeURIComponent(st.compound))
      ]).then(function (rs) {
        if (rs[0].status !== 200) { notice(rs[0].status === 404 ? t('errNoCompound') : N.errorText(rs[0])); return; }
        st.map = rs[0].body;
        if (rs[1].status === 200) { st.status = rs[1].body; st.variant = rs[1].body.variant || 'dry'; }
        if (!building()) { notice(t('errNoBuilding')); render(); return; }
        if (!st.ticket) {
          var tok = recalled(false) || recalled(true);
          if (tok) return fetchTicket(tok);
        }
      }).then(function () { render(); watch(); });
    });
  }

  // lost is the page for a ticket link that names no ticket: say so and
  // lead to the building's page (the last one this phone opened, else the
  // compound's buildings).
  function lost() {
    ['ticket', 'bldg', 'book', 'mapcard'].forEach(function (id) { $(id).hidden = true; });
    $('lost').hidden = false;
    var c = st.token.split('.')[0], last = null, bs = [];
    try { last = JSON.parse(lastPage() || 'null'); } catch (e) { last = null; }
    function link(ul, label, href) {
      var a = N.el('a', '', label); a.href = href;
      var li = N.el('li'); li.appendChild(a); ul.appendChild(li);
    }
    function draw() {
      N.translate();
      document.title = t('lostTitle') + ' · ' + t('title');
      text('lostmsg', t('lostMsg'));
      var ul = N.clear($('lostlinks'));
      if (last && last.path) { link(ul, t('lostBuilding', last.name || last.path), last.path); return; }
      if (bs.length) ul.appendChild(N.el('li', 'muted', t('lostPick')));
      bs.forEach(function (b) { link(ul, b.name || b.id, '/c/' + encodeURIComponent(c) + '/b/' + encodeURIComponent(b.id)); });
    }
    N.onLang.push(draw);
    draw();
    if ((last && last.path) || !/^[A-Za-z0-9_.-]+$/.test(c)) return;
    N.api('GET', '/api/v1/compounds/' + encodeURIComponent(c) + '/map.json').then(function (r) {
      if (r.status === 200 && r.body && r.body.buildings) { bs = r.body.buildings; draw(); }
    });
  }

  // follow tells the holder when a change moved their ticket.
  function follow(before, tk) {
    if (!before || !tk || before.ticket !== tk.ticket) return;
    if (before.site === tk.site && before.window_index === tk.window_index) return;
    var inLine = tk.state === 'checked_in' || tk.state === 'called';
    var moved = before.site !== tk.site, name = tk.site_name || tk.site;
    notice(function () { return inLine ? (moved ? t('movedLine', name) : t('keptLine')) : t('moved'); }, true);
  }

  function fetchTicket(tok) {
    lastRead = Date.now();
    return N.api('GET', '/api/v1/tickets/' + encodeURIComponent(tok)).then(function (res) {
      if (res.status === 200) {
        // Shown, not filed: a ticket is filed on the phone only when the
        // phone books it (book), so that a ticket opened by its link (a
        // neighbour's, a relative's, a paper card's) is never taken for the
        // phone's own, which the building's page shows.
        follow(st.ticket, res.body); st.ticket = res.body;
      }
      else if (res.status === 404) { st.ticket = null; [false, true].forEach(function (x) { if (recalled(x) === tok) remember('', x); }); }
    });
  }
  function refreshStatus() {
    return N.api('GET', '/api/v1/compounds/' + encodeURIComponent(st.compound)).then(function (res) {
      if (res.status === 200) { st.status = res.body; st.variant = res.body.variant || st.variant; }
    });
  }

  // watch follows the ticket's stream, and the building's site's stream
  // for the rain switch and the line (a sampled ticket is not moved, but
  // its holder still sees the compound's plan change).
  function watch() {
    var want = {};
    if (st.ticket && st.ticket.ticket) want['t:' + st.ticket.ticket] = '/api/v1/tickets/' + encodeURIComponent(st.ticket.ticket) + '/events';
    var b = building(), v = st.variant;
    var sid = (st.ticket && st.ticket.state !== 'sampled' && st.ticket.site) || (b && b.site[v]);
    if (sid) want['s:' + sid] = '/api/v1/sites/' + encodeURIComponent(sid) + '/events';
    Object.keys(st.streams).forEach(function (k) { if (!want[k]) { st.streams[k].close(); delete st.streams[k]; } });
    Object.keys(want).forEach(function (k) {
      if (!st.streams[k]) st.streams[k] = N.listen(want[k], k[0] === 't' ? onTicketEvent : onSiteEvent, afterGap);
    });
  }
  // afterGap reads the compound and the ticket again once a stream is back
  // after a break (natq or the network away): a rain switch or a call in
  // the break came as no event. Both streams of a phone come back
  // together, and a site's thousands of phones all at once: one read
  // each, spread over three seconds.
  // A page that was out of sight (woken, from common.js) reads at once:
  // its resident has just looked.
  var gapTimer = 0;
  function afterGap(woken) {
    if (gapTimer && !woken) return;
    clearTimeout(gapTimer);
    gapTimer = setTimeout(function () {
      gapTimer = 0;
      var before = st.ticket;
      refreshStatus().then(function () {
        return st.ticket && st.ticket.ticket ? fetchTicket(st.ticket.ticket) : null;
      }).then(function () {
        // Called in the break: the phone buzzes, as for the call's event.
        var tk = st.ticket;
        if (tk && tk.state === 'called' && before && before.state !== 'called' && navigator.vibrate) navigator.vibrate([300, 100, 300]);
        render(); watch();
      });
    }, woken ? 0 : 150 + Math.floor(Math.random() * 2850));
  }
  function onTicketEvent(ev) {
    var before = st.ticket;
    var p = ev.ticket ? Promise.resolve(ev.ticket) : N.api('GET', '/api/v1/tickets/' + encodeURIComponent(st.ticket.ticket)).then(function (r) { return r.status === 200 ? r.body : before; });
    p.then(function (tk) {
      if (!tk || !tk.ticket) tk = before;
      st.ticket = tk;
      // An event's ticket has no forecast: read it again for one.
      if (!tk.forecast && (tk.state === 'checked_in' || tk.state === 'booked')) readAgain(150);
      follow(before, tk);
      if (tk.state === 'called' && before && before.state !== 'called' && navigator.vibrate) navigator.vibrate([300, 100, 300]);
      var after = ev.type === 'moved' || ev.type === 'variant' || (before && before.variant !== tk.variant) ? refreshStatus() : Promise.resolve();
      return after.then(function () { render(); watch(); });
    });
  }
  // readAgain reads the ticket again in wait ms, instead of any read
  // already waiting. readSoon does for a site's event: at most one read
  // every REREAD ms, a random part of a second after the event. A busy
  // site changes every second or two, and every phone in its line and
  // booked at it listens: reading at each change, all at once, made each
  // change a read by every one of them. The ticket's own events come whole
  // (onTicketEvent), and a booked ticket's people ahead are its site's
  // line, which the site's event carries.
  var REREAD = 5000, siteTimer = 0, lastRead = 0;
  function readAgain(wait) {
    clearTimeout(siteTimer);
    siteTimer = setTimeout(function () {
      siteTimer = 0;
      if (st.ticket && st.ticket.ticket) fetchTicket(st.ticket.ticket).then(render);
    }, wait);
  }
  function readSoon() {
    if (siteTimer) return; // a read is waiting: it reads this change too
    readAgain(Math.max(0, lastRead + REREAD - Date.now()) + 150 + Math.floor(Math.random() * 850));
  }
  function onSiteEvent(ev) {
    if (ev.type === 'variant' || (ev.variant && ev.variant !== st.variant)) {
      refreshStatus().then(function () {
        return st.ticket ? fetchTicket(st.ticket.ticket) : null;
      }).then(function () { render(); watch(); });
      return;
    }
    // The line moved: people ahead changes for a ticket in it, and the
    // forecast for one booked at the site.
    var tk = st.ticket;
    if (!tk || (tk.state !== 'checked_in' && tk.state !== 'booked')) return;
    if (tk.state === 'booked' && ev.site === tk.site && typeof ev.in_line === 'number' && ev.in_line !== tk.ahead) {
      tk.ahead = ev.in_line;
      render();
    }
    // The site's stream carries no bookings (a booking moves no one's
    // turn: only the tablet asks for them, ?bookings=1).
    readSoon();
  }

  function render() {
    N.translate();
    var b = building(), v = variant();
    document.title = (b ? (b.name || b.id) + ' · ' : '') + t('title');
    if (b) try { localStorage.setItem('natq.last', JSON.stringify({ path: '/c/' + encodeURIComponent(st.compound) + '/b/' + encodeURIComponent(st.building), name: b.name || b.id })); } catch (e) {}
    if (noticeFn) text('notice', noticeFn());
    text('bname', b ? (b.name || b.id) : st.building);
    text('cname', st.map ? st.map.compound.name : '');
    var rain = $('rain');
    var tk = st.ticket, inLine = !!tk && (tk.state === 'checked_in' || tk.state === 'called');
    // One message about the rain, not two: a notice about the holder's
    // own move says it already.
    text(rain, inLine ? t('rainInLine', tk.site_name || siteName(tk.site, tk.variant)) : t('rainOn')); rain.hidden = v !== 'wet' || !!(noticeFn && !$('notice').hidden);
    document.body.classList.toggle('wet', v === 'wet');
    // A ticket's site is where the resident goes: someone already in line
    // stays where they stand (the map shows the way there in the variant
    // whose plan sends the building there), and a ticket the schedule
    // calls to another site than the building's (a hand-made plan, a rain
    // switch short of room) leads there, on the card and the map alike.
    var sid = b ? b.site[v] : '', mv = v, dest = sid;
    var live = !!tk && !!tk.site && (inLine || (tk.state === 'booked' && tk.variant === v));
    if (live && b && sid !== tk.site) {
      dest = tk.site;
      ['dry', 'wet'].forEach(function (x) { if (inLine && b.site[x] === tk.site) mv = x; });
    }
    text('bsite', dest ? siteName(dest, dest === sid ? v : tk.variant) : (b ? t('doorToDoor') : ''));
    var wins = (st.map ? st.map.windows : []).filter(function (w) { return w.variant === v && !w.students; });
    // Each window names its units once; a unit (or the building) called
    // in more than one window names its floors too, so that a resident of
    // unit 3 on floor 8 can tell which of them is hers.
    var seenIn = {};
    wins.forEach(function (w) {
      var here = {};
      w.groups.forEach(function (g) { here[g.unit || ''] = true; });
      Object.keys(here).forEach(function (u) { seenIn[u] = (seenIn[u] || 0) + 1; });
    });
    var ws = wins.map(function (w) {
      var floors = {}, order = [];
      w.groups.forEach(function (g) {
        var u = g.unit || '';
        if (!floors[u]) { floors[u] = []; order.push(u); }
        if (g.floors && g.floors.length === 2) floors[u].push(g.floors[0] === g.floors[1] ? String(g.floors[0]) : g.floors[0] + '–' + g.floors[1]);
      });
      var anyFloors = false;
      var parts = order.map(function (u) {
        var s = u ? t('unitN', u) : '';
        if (seenIn[u] > 1 && floors[u].length) { s += (s ? ' ' : '') + t('floorsN', floors[u].join(t('sep'))); anyFloors = true; }
        return s;
      }).filter(function (s) { return s; });
      return N.span(w) + (parts.length ? t('unitsList', parts.join(anyFloors ? t('sepUnits') : t('sep'))) : '');
    });
    var sp = studentsSpan(v);
    if (ws.length && sp) ws.push(t('studentsWhen', N.span(sp)));
    text('bwins', ws.length ? ws.join('\n') : (b ? t('noWindows') : ''));
    // The building's times fold away once the resident has a ticket.
    var hasTicket = !!(st.ticket && st.ticket.state !== 'cancelled' && st.ticket.state !== 'no_show');
    if ($('bwinsbox').getAttribute('data-for') !== String(hasTicket)) { $('bwinsbox').open = !hasTicket; $('bwinsbox').setAttribute('data-for', String(hasTicket)); }
    renderTicket();
    renderForm(b, wins);
    drawMap(b, mv, dest);
  }

  var states = {
    booked: ['stBooked', 'hBooked'], checked_in: ['stChecked', 'hChecked'], called: ['stCalled', 'hCalled'],
    sampled: ['stSampled', 'hSampled'], no_show: ['stNoShow', 'hNoShow'], cancelled: ['stCancelled', 'hCancelled']
  };
  function renderTicket() {
    var tk = st.ticket, box = $('ticket');
    var live = tk && tk.state !== 'cancelled' && tk.state !== 'no_show';
    box.hidden = !tk;
    if (!tk) return;
    box.setAttribute('data-state', tk.state);
    var s = states[tk.state] || [tk.state, ''];
    var soon = tk.state === 'checked_in' && tk.ahead <= 3;
    box.setAttribute('data-soon', soon ? 'true' : 'false');
    if (soon) s = ['stSoon', 'hSoon'];
    // Back in line after a call she missed (or the desk put her back):
    // she is told so, and that she will be called again.
    if (tk.state === 'checked_in' && tk.calls > 0) s = ['stMissed', 'hMissed'];
    // The line guard: a booked party is held at its building while its
    // site's line is full (its people ahead are the line's, live).
    var ls = tk.state === 'booked' ? site(tk.site, tk.variant) : null, cap = ls ? ls.line_capacity : 0;
    var full = cap > 0 && tk.ahead >= cap;
    box.setAttribute('data-full', full ? 'true' : 'false');
    if (full) s = ['stFull', 'hFull'];
    // Sampled at home; a home sample taken back (cancelled) is not.
    var home = tk.origin === 'home' && tk.state === 'sampled';
    if (home) s = ['stSampled', 'hHome'];
    text('tstate', tk.state === 'called' && tk.desk ? t('stCalledDesk', tk.desk) : t(s[0])); text('thint', t(s[1], tk.ahead, cap));
    var qr = $('tqr'), src = '/qr/' + encodeURIComponent(tk.ticket) + '.svg';
    if (qr.getAttribute('src') !== src) qr.setAttribute('src', src);
    qr.alt = t('ticketNo') + ' ' + tk.ticket;
    qr.hidden = !live || tk.state === 'sampled';
    text('twin', home ? N.hm(tk.sampled_at) : tk.students ? t('studentsWhen', N.span(tk.window)) : N.span(tk.window));
    renderOther(tk);
    text('tsite', home ? t('atHomeSite') : tk.site_name || siteName(tk.site, tk.variant));
    var ahead = tk.state === 'checked_in' || tk.state === 'booked' ? tk.ahead : null;
    // Missed and back in line: nobody is ahead of her, but the desk called
    // the next one at once, and she comes after them (noshow.lua).
    var none = tk.calls > 0 ? 'aheadRecalled' : 'aheadNone';
    text('tahead', ahead == null ? '—' : ahead === 0 && tk.state === 'checked_in' ? t(none) : N.tn('aheadN', ahead));
    $('tahead').setAttribute('data-ahead', ahead == null ? '' : String(ahead));
    // The forecast (queue/forecast.go) for a party in line or to come.
    var f = (tk.state === 'checked_in' || tk.state === 'booked') && tk.forecast;
    $('tturnl').hidden = $('tturn').hidden = $('tmethod').hidden = !f;
    box.setAttribute('data-forecast', f ? 'true' : 'false');
    text('tturn', f ? t(tk.state === 'checked_in' ? 'turnIn' : 'turnCome', N.hm(f.at), f.wait_min) : '');
    $('tturn').setAttribute('data-at', f ? f.at : '');
    text('tmethod', f ? N.both(f.method) : '');
    var h = tk.household || {};
    text('thh', t((h.unit ? 'hh' : 'hhNoUnit') + (tk.party === 1 ? '1' : ''), h.unit, h.room, tk.party));
    text('tid', tk.id || '');
    $('cancel').hidden = !(tk.state === 'booked' || tk.state === 'checked_in');
    renderParty(tk);
  }

  // renderParty offers a booked ticket's party change: this phone holds
  // the ticket, its credential. A party in line or finished changes at
  // the site only.
  function renderParty(tk) {
    var box = $('tpartybox'), h = tk.household || {};
    box.hidden = tk.state !== 'booked' || tk.origin === 'home' || !h.room;
    if (box.hidden || !box.open || !st.tparty) { st.tparty = tk.party; partyError(''); }
    else if (partyErrFn) text('tpartyerr', partyErrFn()); // in the language now shown
    text('tparty', st.tparty);
    var btn = $('tpartysave');
    btn.disabled = st.tparty === tk.party;
    text(btn, btn.disabled ? t('partySaveSame') : N.tn('partySave', st.tparty));
  }
  // partyError shows a refused party change beside its button (the
  // notice is at the top of the page, out of sight on a phone).
  var partyErrFn = null;
  function partyError(fn) {
    partyErrFn = fn || null;
    var n = $('tpartyerr');
    text(n, partyErrFn ? partyErrFn() : ''); n.hidden = !partyErrFn;
  }
  // changeParty changes the ticket's own party, the ticket its credential
  // (PATCH): whichever window the rain plan put it in, a students' ticket
  // stays the students'.
  function changeParty() {
    var tk = st.ticket;
    if (!tk || st.tparty === tk.party) return;
    var btn = $('tpartysave');
    btn.disabled = true;
    partyError('');
    N.api('PATCH', '/api/v1/tickets/' + encodeURIComponent(tk.ticket), { party: st.tparty }).then(function (res) {
      if (res.status !== 200) {
        // Told where the button is, the stepper back at the ticket's party.
        var box = $('tpartybox');
        st.tparty = tk.party;
        renderParty(st.ticket);
        box.open = true;
        partyError(function () { return N.errorText(res); });
        $('tpartyerr').scrollIntoView({ block: 'center' });
        return;
      }
      var n = res.body.party;
      $('tpartybox').open = false;
      return fetchTicket(tk.ticket).then(function () {
        notice(function () { return N.tn('partyNow', n); }, true);
        render(); window.scrollTo(0, 0);
      });
    });
  }

  // renderOther offers, on a ticket, the household's other ticket: the
  // students' period for its students, or the rest of the household for
  // a students' ticket; a link to it when this phone holds it.
  // forStudents: a ticket is the household's students' when its window
  // is the students' period's, or when this phone filed it as theirs (the
  // rain plan may have put it in the main day's windows).
  function forStudents(tk) { return !!tk.students || (!!tk.ticket && recalled(true) === tk.ticket); }
  function renderOther(tk) {
    var box = $('other'), link = $('otherlink'), btn = $('otherbook');
    var sp = studentsSpan(variant()), hh = tk.household || {};
    var want = !forStudents(tk); // the other ticket is the students'
    var tok = hh.building === st.building ? recalled(want) : '';
    box.hidden = !sp || tk.origin === 'home';
    if (box.hidden) return;
    link.hidden = !tok || tok === tk.ticket;
    if (!link.hidden) { link.href = '/t/' + encodeURIComponent(tok); text(link, t(want ? 'seeStudents' : 'seeRest')); }
    btn.hidden = !link.hidden || st.other !== null;
    text(btn, want ? t('otherStudents', N.span(sp)) : t('otherRest'));
  }
  function openOther() {
    var tk = st.ticket, h = (tk && tk.household) || {};
    st.other = !(tk && forStudents(tk));
    $('room').value = h.room || '';
    st.party = 1;
    render();
    if (h.unit) $('unit').value = h.unit;
    $('book').scrollIntoView();
  }

  function renderForm(b, wins) {
    var tk = st.ticket, form = $('book');
    form.hidden = !b || (!!(tk && tk.state !== 'cancelled' && tk.state !== 'no_show') && st.other === null);
    // The students' period: a box to book only the students, fixed when
    // the form was opened from a ticket for them or for the others.
    var sp = studentsSpan(variant());
    $('studentsl').hidden = !sp;
    if (sp) text('studentst', t('students', N.span(sp)));
    var cb = $('students');
    if (st.other !== null) cb.checked = st.other;
    cb.disabled = st.other !== null;
    if (!sp) cb.checked = false;
    text('partyl', t(cb.checked ? 'partyStudents' : 'party'));
    if (form.hidden) return;
    var sel = $('unit');
    var units = [], any = false;
    (st.map.windows || []).forEach(function (w) {
      w.groups.forEach(function (g) { if (!g.unit) any = true; else if (units.indexOf(g.unit) < 0) units.push(g.unit); });
    });
    if (any || !units.length) for (var i = 1; i <= Math.max(1, b.units || 1); i++) if (units.indexOf(String(i)) < 0) units.push(String(i));
    units.sort(function (a, c) { return (parseFloat(a) - parseFloat(c)) || (a < c ? -1 : a > c ? 1 : 0); });
    var keep = sel.value;
    N.clear(sel);
    units.forEach(function (u) { var o = N.el('option', '', t('unitN', u)); o.value = u; sel.appendChild(o); });
    if (keep && units.indexOf(keep) >= 0) sel.value = keep;
    text('party', st.party);
    if (!wins.length) bookError(t('noWindows'));
  }

  function book(ev) {
    ev.preventDefault();
    var room = $('room').value.trim();
    if (!room) { bookError(t('errRoom')); $('room').focus(); return; }
    bookError('');
    var btn = $('submit'), students = !$('studentsl').hidden && $('students').checked;
    btn.disabled = true; text(btn, t('booking'));
    // The ticket this phone holds for the building, and its key: asking
    // again for its household must show one (the ticket, for one booked
    // before phones sent keys); another phone is told the household has
    // booked, and given nothing of its ticket.
    N.api('POST', '/api/v1/compounds/' + encodeURIComponent(st.compound) + '/bookings',
      { building: st.building, unit: $('unit').value, room: room, party: st.party, students: students, ticket: recalled(students), key: phoneKey() }).then(function (res) {
      btn.disabled = false; text(btn, t('bookButton'));
      if (res.status === 200 || res.status === 201) {
        remember(res.body.ticket, students);
        st.other = null;
        return fetchTicket(res.body.ticket).then(function () {
          if (!st.ticket) st.ticket = { ticket: res.body.ticket, state: 'booked', site: res.body.site, window: res.body.window, party: res.body.party, household: res.body.household || {}, variant: st.variant };
          var b2 = res.body;
          if (b2.party_changed) notice(function () { return N.tn('partyChanged', b2.party); }, true);
          else if (res.status === 200) notice(function () { return t('sameTicket'); }, true);
          else notice('');
          render(); watch(); window.scrollTo(0, 0);
        });
      }
      var code = N.errorCode(res);
      if (code === 'full') bookError(t('errFull'));
      else bookError(N.errorText(res));
      var field = res.body && res.body.error && res.body.error.field;
      if (field === 'room' || field === 'unit') $(field).focus();
    });
  }

  function cancel() {
    if (!st.ticket || !window.confirm(t('confirmCancel'))) return;
    N.api('DELETE', '/api/v1/tickets/' + encodeURIComponent(st.ticket.ticket)).then(function (res) {
      if (res.status >= 200 && res.status < 300) { remember('', !!st.ticket.students); st.ticket = null; render(); watch(); }
      else notice(N.errorText(res));
    });
  }

  // The map: the compound's buildings, this building, its site in the
  // weather in force and the routes there and back, cropped to the walk.
  var SVG = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, parent) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(n);
    return n;
  }
  function extend(bb, d) {
    var nums = (d || '').match(/-?\d+(\.\d+)?/g) || [];
    for (var i = 0; i + 1 < nums.length; i += 2) {
      var x = +nums[i], y = +nums[i + 1];
      if (x < bb[0]) bb[0] = x; if (y < bb[1]) bb[1] = y; if (x > bb[2]) bb[2] = x; if (y > bb[3]) bb[3] = y;
    }
  }
  // drawMap draws building b and the way to site sid in variant v: the
  // plan's routes of the building to that site (none when the plan has no
  // route there: the site is drawn, and the note says to ask).
  function drawMap(b, v, sid) {
    var m = st.map, g = N.clear($('map'));
    if (!m || !b) { $('mapcard').hidden = true; return; }
    $('mapcard').hidden = false;
    var routes = m.routes.filter(function (r) { return r.variant === v && r.site === sid; });
    var s = sid ? site(sid, v) : null;
    var bb = [Infinity, Infinity, -Infinity, -Infinity];
    extend(bb, b.d); if (s) extend(bb, s.d);
    routes.forEach(function (r) { extend(bb, r.d); });
    // At least 140 m across, so the walk shows among its neighbours;
    // not much taller than wide, so a phone shows it whole.
    var pad = 25, w = bb[2] - bb[0] + 2 * pad, h = bb[3] - bb[1] + 2 * pad;
    if (w < 140) { bb[0] -= (140 - w) / 2; bb[2] += (140 - w) / 2; w = 140; }
    if (h > w * 1.2) { bb[0] -= (h / 1.2 - w) / 2; bb[2] += (h / 1.2 - w) / 2; w = h / 1.2; }
    if (w > h * 1.6) { bb[1] -= (w / 1.6 - h) / 2; bb[3] += (w / 1.6 - h) / 2; h = w / 1.6; }
    var vx = bb[0] - pad, vy = bb[1] - pad;
    g.setAttribute('viewBox', [vx, vy, w, h].map(function (x) { return x.toFixed(1); }).join(' '));
    g.style.aspectRatio = (w / h).toFixed(3);
    var u = w / 100; // one hundredth of the view, for strokes and type
    var defs = svg('defs', {}, g);
    var mk = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '5', refY: '5', markerWidth: '4', markerHeight: '4', orient: 'auto-start-reverse' }, defs);
    svg('path', { d: 'M0 0L10 5L0 10z', 'class': 'arrow' }, mk);
    svg('rect', { x: vx, y: vy, width: w, height: h, 'class': 'ground' }, g);
    m.sites.forEach(function (x) { if (x.variant === v && x.id !== sid) svg('path', { d: x.d, 'class': 'osite' }, g); });
    m.buildings.forEach(function (x) { if (x.id !== b.id) svg('path', { d: x.d, 'class': 'obldg' }, g); });
    if (s) svg('path', { d: s.d, 'class': 'site' }, g);
    svg('path', { d: b.d, 'class': 'home' }, g);
    routes.forEach(function (r) {
      if (r.direction === 'back') svg('path', { d: r.d, 'class': 'back', 'stroke-width': (u * 1.1).toFixed(2), 'stroke-dasharray': (u * 2.5).toFixed(1) + ' ' + (u * 1.5).toFixed(1) }, g);
    });
    routes.forEach(function (r) {
      if (r.direction !== 'back') svg('path', { d: r.d, 'class': 'route', 'stroke-width': (u * 2).toFixed(2), 'marker-end': 'url(#arrow)' }, g);
    });
    m.entrances.forEach(function (e) { svg('circle', { cx: e.x, cy: e.y, r: (u * 1.2).toFixed(2), 'class': 'door' }, g); });
    // Labels sit above or below their shape, whichever covers less of the
    // walk, inside the view, on a white halo.
    var fs = u * 4.6, walk = [];
    routes.forEach(function (r) {
      var nums = (r.d.match(/-?\d+(\.\d+)?/g) || []).map(Number);
      for (var i = 0; i + 3 < nums.length; i += 2) {
        for (var k = 0; k < 8; k++) walk.push([nums[i] + (nums[i + 2] - nums[i]) * k / 8, nums[i + 1] + (nums[i + 3] - nums[i + 1]) * k / 8]);
      }
    });
    var placed = [];
    function covers(x0, y0, x1, y1) {
      var n = 0;
      walk.forEach(function (p) { if (p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1) n++; });
      placed.forEach(function (q) { if (x0 < q[2] && q[0] < x1 && y0 < q[3] && q[1] < y1) n += 1000; });
      return n;
    }
    function label(d, s2, cls) {
      var sb = [Infinity, Infinity, -Infinity, -Infinity];
      extend(sb, d);
      var tx = svg('text', { x: 0, y: 0, 'font-size': fs.toFixed(1), 'stroke-width': (u * 0.9).toFixed(2), 'class': cls, 'text-anchor': 'middle' }, g);
      tx.textContent = s2;
      var len = tx.getComputedTextLength ? tx.getComputedTextLength() : s2.length * fs * 0.7;
      var x = Math.min(Math.max((sb[0] + sb[2]) / 2, vx + len / 2 + u), vx + w - len / 2 - u);
      var best = null;
      [sb[1] - fs * 0.35, sb[3] + fs * 1.05, sb[1] - fs * 1.55, sb[3] + fs * 2.25].forEach(function (y) {
        if (y - fs < vy || y > vy + h - u) return;
        var box = [x - len / 2, y - fs * 0.9, x + len / 2, y + fs * 0.25];
        var c = covers(box[0], box[1], box[2], box[3]);
        if (!best || c < best.c) best = { y: y, c: c, box: box };
      });
      if (!best) best = { y: sb[1] - fs * 0.35, box: [x - len / 2, sb[1] - fs * 1.25, x + len / 2, sb[1] - fs * 0.1] };
      placed.push(best.box);
      tx.setAttribute('x', x.toFixed(1));
      tx.setAttribute('y', best.y.toFixed(1));
      return tx;
    }
    label(b.d, b.name || b.id, 'lhome');
    if (s) label(s.d, s.name || s.id, 'lsite');
    var to = routes.filter(function (r) { return r.direction !== 'back'; });
    if (to.length) {
      var len = Math.min.apply(null, to.map(function (r) { return r.length_m; }));
      var r0 = to.filter(function (r) { return r.length_m === len; })[0];
      var note = t('walk', Math.round(len), Math.max(1, Math.round(r0.walk_s / 60)));
      if (v === 'wet') note += ' ' + (r0.uncovered_m > 0.5 ? t('uncovered', Math.round(r0.uncovered_m)) : t('allCovered'));
      text('mapnote', note);
    } else text('mapnote', sid ? t('noRoute', (s && s.name) || sid) : t('doorToDoor'));
  }

  N.langButton('lang');
  N.onLang.push(render);
  $('book').addEventListener('submit', book);
  $('minus').addEventListener('click', function () { st.party = Math.max(1, st.party - 1); text('party', st.party); });
  $('plus').addEventListener('click', function () { st.party = Math.min(8, st.party + 1); text('party', st.party); });
  $('cancel').addEventListener('click', cancel);
  $('tminus').addEventListener('click', function () { st.tparty = Math.max(1, st.tparty - 1); partyError(''); renderParty(st.ticket); });
  $('tplus').addEventListener('click', function () { st.tparty = Math.min(8, st.tparty + 1); partyError(''); renderParty(st.ticket); });
  $('tpartysave').addEventListener('click', changeParty);
  $('otherbook').addEventListener('click', openOther);
  $('students').addEventListener('change', function () { text('partyl', t($('students').checked ? 'partyStudents' : 'party')); });
  load();
  // A slow phone may lose its streams in a lift: a quiet check now and then.
  setInterval(function () {
    if (document.hidden || !st.ticket || !st.ticket.ticket) return;
    fetchTicket(st.ticket.ticket).then(function () { render(); watch(); });
  }, 20000);
})();
