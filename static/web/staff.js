// Coordinator page: /staff, a tablet at the sampling point.
'use strict';
(function () {
  var N = natq, t = N.t, $ = N.$, text = N.text, el = N.el;
  N.words({
    title: ['采样点协调台', 'Site desk'], signOut: ['退出', 'Sign out'], signInTitle: ['工作人员登录', 'Staff sign-in'], token: ['工作人员凭证', 'Staff token'],
    tokenHint: ['凭证由居委会用 natq staff add 发放。', 'The committee issues tokens with natq staff add.'], signIn: ['登录', 'Sign in'], tabSite: ['采样点', 'Site'], tabCov: ['覆盖情况', 'Coverage'],
    line: ['一米线', 'One-metre line'], windows: ['时段', 'Windows'], time: ['时间', 'Time'], booked: ['已约', 'Booked'], checkedIn: ['已签到', 'Checked in'], sampled: ['已采样', 'Sampled'], due: ['应到', 'Due now'],
    scanTitle: ['扫码签到', 'Scan to check in'], scanHint: ['扫描或输入票号，按回车', 'Scan or type a ticket, then Enter'], camera: ['摄像头', 'Camera'], cameraStop: ['关摄像头', 'Stop camera'], desk: ['采样台', 'Desk'], tube: ['混管号', 'Tube'],
    tubeHint: ['可不填', 'optional'], callNext: ['叫下一位', 'Call next'], noShow: ['过号', 'No-show'], markSampled: ['已采样', 'Sampled'], covTitle: ['覆盖情况', 'Coverage'],
    building: ['楼', 'Building'], expected: ['应检', 'To test'], prevSampled: ['上轮已采', 'Last round'], unbooked: ['未约户', 'No ticket'], missedTitle: ['上轮已采样、本轮还没有预约的住户', 'Sampled last round, no ticket this round'], firstRound: ['这是本小区的第一轮，没有上一轮可比。', 'This is the compound\'s first round: there is no earlier one to compare.'],
    missedNote: ['与上一轮（{0}）相比：{1} 户上轮采过样，本轮还没有预约。请楼组长上门提醒。', 'Compared with the last round ({0}): {1} households were sampled then and have no ticket now. Building volunteers may knock.'], notSampled: ['尚未采样的住户', 'Households not yet sampled'], unit: ['单元', 'Unit'], room: ['房号', 'Room'], party: ['人数', 'People'],
    rainOff: ['☀ 晴天方案', '☀ Dry plan'], rainOn: ['☂ 雨天方案', '☂ Rain plan'], rainConfirm: ['再按一次：切换到{0}', 'Tap again: switch to {0}'], dry: ['晴天方案', 'the dry plan'], wet: ['雨天方案', 'the rain plan'],
    siteClosed: ['{0} 在{1}中暂停使用：{2}。本平板已切换到 {3}。', '{0} is not in use in {1}: {2}. This tablet now shows {3}.'], siteClosedNone: ['{0} 在{1}中暂停使用：{2}。', '{0} is not in use in {1}: {2}.'], goesTo: ['{0} → {1}', '{0} → {1}'], atHome: ['上门采样', 'sampled at home'],
    occ: ['{0} / {1} 人', '{0} / {1} people'], occFull: ['队伍已满：请让居民在楼内等候。', 'Line full: hold arrivals at their building.'], occNear: ['快满了：请放慢放人。', 'Nearly full: slow arrivals down.'],
    nowTag: ['当前', 'Now'], nextTag: ['下一个', 'Next'], doneTag: ['已过', 'Past'], badToken: ['凭证无效，请检查后重试。', 'That token is not valid. Check it and try again.'], displayToken: ['这是叫号屏的凭证，只能打开叫号屏，不能用于采样台。', 'That is a call screen\'s token: it opens the call screen only, not the desk.'], signInAway: ['暂时连不上服务，正在重试……', 'Cannot reach the service yet: trying again…'],
    noSite: ['请先选择采样点。', 'Pick a site first.'], noTicket: ['请先叫号或扫码。', 'Call or scan a ticket first.'], emptyScan: ['请扫描票上的二维码。', 'Scan the QR code on the ticket.'],
    checkedInOk: ['已签到：{0}，前面 {1} 人', 'Checked in: {0}, {1} people ahead'], scanAgain: ['网络没有回应，正在重试（第 {0}/{1} 次）……请居民稍等', 'No answer from the network: trying again ({0} of {1}); ask the resident to wait'],
    inBeforeBreak: ['已签到（网络中断前已办好）：{0}', 'Checked in (done before the network broke): {0}'], calledOk: ['已叫号：{0}', 'Called: {0}'], sampledOk: ['已采样：{0}', 'Sampled: {0}'], noShowOk: ['已记为过号：{0}', 'Marked no-show: {0}'],
    recalled: ['第 {1} 次叫号未到（满 {2} 次可记过号）：{0}', 'Call {1} unanswered ({2} calls make a no-show): {0}'], switched: ['已切换到{0}：{1} 张票改到新时段；排队中 {2} 人原地保留，{3} 人移到别的采样点。', 'Switched to {0}: {1} tickets re-timed; in line, {2} kept in place and {3} moved to another site.'], ticketLine: ['{0} 单元 {1} 室 · {2} 人 · 票 {3}', 'Unit {0} room {1} · {2} people · ticket {3}'], ticketLineNoUnit: ['{1} 室 · {2} 人 · 票 {3}', 'Room {1} · {2} people · ticket {3}'], studentsTag: ['学生专场', 'students\' period'], hhStudents: ['学生（学生专场的票）', 'Students (the students\' period ticket)'],
    stateCalled: ['已叫号', 'Called'], stateChecked: ['已签到', 'Checked in'], stateSampled: ['已采样', 'Sampled'], noCamera: ['无法打开摄像头：请用扫码枪或手动输入。', 'The camera cannot be opened: use the scanner or type the ticket.'],
    units: ['{0} 单元', 'unit {0}'], floors: ['{0}–{1} 层', 'floors {0}–{1}'], peopleN: ['{0} 人', '{0} people'], peopleN1: [null, '{0} person'], all: ['全部', 'all'], none: ['—', '—'], marshal: ['（采样员）', ' (marshal)'], coordinator: ['（协调员）', ' (coordinator)'], nobodyDue: ['此时段无人应到。', 'Nobody is due in this window.'],
    tubeCount: ['混管 {0}：已有 {1} 份', 'Tube {0}: {1} samples'],
    staffTitle: ['工作人员凭证', 'Staff tokens'], staffHint: ['平板丢失时，撤销该人员的凭证：所有服务实例立即拒绝它。', 'A tablet lost? Revoke that person\'s token: every instance refuses it at once.'],
    staffName: ['姓名', 'Name'], staffRole: ['角色', 'Role'], staffUntil: ['有效至', 'Valid until'], revoke: ['撤销', 'Revoke'],
    revokeConfirm: ['撤销 {0} 的全部凭证？', 'Revoke every token of {0}?'], revokedOk: ['已撤销 {0} 的 {1} 个凭证', 'Revoked {1} token(s) of {0}'], expired: ['已过期', 'expired'],
    role_coordinator: ['协调员', 'coordinator'], role_marshal: ['采样员', 'marshal'], role_display: ['叫号屏', 'call screen'],
    lineList: ['排队名单', 'Who is waiting'], ticketNo: ['票号', 'Ticket'], household: ['住户', 'Household'], state: ['状态', 'State'], waited: ['等候', 'Waited'], lineEmpty: ['队伍中无人等候。', 'Nobody is waiting.'],
    deskN: ['{0} 号台', 'Desk {0}'], openDisplay: ['打开叫号屏', 'Open the call screen'], bynoMsg: ['{0} · {1} {2}。请向居民核对住户，再签到。', '{0} · {1} {2}. Check the household with the resident, then check in.'], bynoYes: ['是这户，签到', 'That is them: check in'], bynoNo: ['不是，取消', 'Not them: cancel'], bynoQr: ['有手机的居民扫这个码保存这张票；没有手机请记下票号：票 {0}', 'A resident with a phone scans this to keep the ticket; without one, note the number: ticket {0}'], bynoCancelled: ['未签到。', 'Not checked in.'],
    hhFind: ['没有票？按住户查找或登记', 'No ticket? Find or register by household'], hhBuilding: ['楼', 'Building'], hhUnit: ['单元', 'Unit'], hhRoom: ['室', 'Room'], hhRoomHint: ['例如 302', 'e.g. 302'], hhParty: ['人数', 'People'], hhGo: ['查找', 'Find'], hhNoUnit: ['—', '—'],
    hhFound: ['已有预约：', 'Already booked: '],
    sep: ['、', ', '], covHome: ['（上门）', ' (at home)'], homeTitle: ['上门采样', 'Sampling at home'], homeList: ['上门的楼：{0}', 'Buildings sampled door to door: {0}'], homeNone: ['本方案没有整栋上门采样的楼；行动不便的居民也可在这里记录。', 'No building is sampled door to door in this plan; residents who cannot walk can be recorded here too.'],
    homeTube: ['混管号', 'Tube'], homeGo: ['记为已上门采样', 'Record sampled at home'], homeOk: ['已记录上门采样：{0}', 'Recorded, sampled at home: {0}'], homeUndo: ['撤销', 'Take back'], homeUndoneAt: ['{0} 已撤销（{1}）', 'taken back at {0} ({1})'],
    homeSum: ['本轮已上门采样 {0} 户、{1} 人（全体人员的记录）', 'This round: {0} households, {1} people sampled at home (everyone\'s records)'], homeMore: ['显示全部 {0} 条', 'Show all {0}'], homeReload: ['刷新', 'Reload'],
    homeUndoAsk: ['撤销这条上门采样记录？{0}\n撤销后这户算作未采样。这户原有预约的，时段未结束且还有空位时，预约恢复（票卡、手机上的票照常用）；否则预约作废，需要时请重新预约。', 'Take back this home sample? {0}\nThe household then counts as not sampled. If it had a booking, the booking comes back when its window has not ended and still has room (its card and its phone\'s ticket work again); else it is void: book it again if needed.'], homeUndoneOk: ['已撤销：{0}。这户算作未采样，需要时请重新预约。', 'Taken back: {0}. The household counts as not sampled: book it again if needed.'], homeRestoredOk: ['已撤销：{0}。这户的原预约已恢复：{1} {2}–{3}。', 'Taken back: {0}. The household\'s booking is back: {1} {2}–{3}.'], homeRestored: ['原预约已恢复', 'booking back'], tubeN: ['混管 {0}', 'tube {0}'], hhNew: ['已为这户登记新票：', 'New ticket for this household: '], hhElsewhere: ['（不在本采样点，请告诉居民去 {0}）', '(not at this site: send them to {0})'],
    displayQr: ['叫号屏', 'Call screen'], qrAlt: ['叫号屏二维码', 'Call screen QR code'], pairLabel: ['叫号屏上显示的 6 位配对码', 'The 6-digit pairing code on the call screen'], pair: ['配对', 'Pair'], showQr: ['屏幕有相机：显示二维码', 'Screen has a camera: show a QR code'], paired: ['已配对：{0}。屏幕几秒内显示叫号。', 'Paired: {0}. The screen shows calls within seconds.'], pairedOther: ['已配对：{0}。这块屏原来打开的是 {1}，现在改为显示本采样点的叫号；如果屏幕不在本采样点，请重新配对。', 'Paired: {0}. This screen was opened for {1}; it now shows this site\'s calls. If the screen is not at this site, pair it again from there.'], pairShort: ['配对码是 6 位数字，请看叫号屏上现在显示的。', 'A pairing code is 6 digits: read the one the call screen shows now.'], close: ['关闭', 'Close'],
    dqrNote: ['用叫号屏设备（电视或备用平板）的相机扫这个码，它就打开 {0} 的叫号屏，无需输入凭证。这个凭证只能看叫号，{1} 前有效，可在“工作人员”里撤销（{2}）。', 'Scan this with the call screen\'s device (a TV or spare tablet): it opens {0}\'s call screen with no token to type. The token shows calls only, lasts until {1}, and can be revoked under staff tokens ({2}).'], requeue: ['重新排队', 'Back to line'], repeatCall: ['重复叫号', 'Repeat call'], movedTitle: ['雨天切换：排队中的居民', 'Rain switch: people in line'],
    moreWaiting: ['后面还有 {0} 户在排队', '{0} more parties waiting after these'], moreWaiting1: ['后面还有 {0} 户在排队', '{0} more party waiting after these'],
    nextUp: ['下一位', 'Next'], calledAt: ['在 {0} 号台', 'at desk {0}'], recallTag: ['过号待重叫', 'missed, recall'], outside: ['时段外', 'outside window'], minutes: ['{0} 分', '{0} min'],
    hhLine: ['{0} {1} 单元 {2} 室', '{0} unit {1} room {2}'], busyMsg: ['{0} 号台还有一位已叫号：{1}。请先选择：', 'Desk {0} still has a called resident: {1}. First choose:'], missedNext: ['已记过号：{0}。已叫下一位：{1}', 'Missed: {0}. Called next: {1}'],
    missedNone: ['已记过号：{0}（第 {1} 次）。队伍中没有其他人。', 'Missed: {0} (call {1}). Nobody else is waiting.'], requeued: ['已重新排队：{0}', 'Back in line: {0}'], repeated: ['已重复叫号：{0}', 'Called again: {0}'],
    keptIn: ['票 {0} · {1}：原地保留（{2}）', 'Ticket {0} · {1}: kept in place ({2})'], movedTo: ['票 {0} · {1}：从 {2} 移到 {3}，保留排队位置', 'Ticket {0} · {1}: moved from {2} to {3}, place kept'], alreadyIn: ['{0}：{1}', '{0}: {1}'],
    stateBooked: ['已预约', 'Booked'], outsideAt: ['注意：不在本户时段内到达（{0}）', 'note: arrived outside its window ({0})'],
    turnCol: ['预计轮到', 'Turn at'], turnAt: ['约 {0}', 'about {0}'], fcClears: ['现在排队的人预计 {0} 前全部上台；每台每小时约 {1} 人（方案 {2} 人，今天实测 {3} 人）。', 'Everyone in line now should be at a desk by about {0}; about {1} samples a desk an hour (plan {2}, measured on {3} people today).'],
    fcEmpty: ['队伍中无人；每台每小时约 {0} 人（方案 {1} 人，今天实测 {2} 人）。', 'Nobody in line; about {0} samples a desk an hour (plan {1}, measured on {2} people today).'],
    simTitle: ['方案模拟：排队人数', 'The plan simulated: people in line'], simNote: ['开始前按方案模拟 20 次的{0}：平均与最多排队人数，红线是一米线的容量。', 'The plan played 20 times before the day, {0}: the mean and the most in line; the red line is the one-metre line\'s capacity.'], simLoading: ['正在模拟…', 'Simulating…'], simFailed: ['模拟图无法生成。', 'The chart cannot be drawn.']
  });
  N.words({
    cardsTitle: ['无手机住户：预约并打印票卡', 'Residents without phones: book and print ticket cards'],
    cardsHint: ['每行一户：楼号 单元 房号 人数（也可写成“3栋1单元502室 2人”），可再写姓名；只为学生约学生专场的，末尾写“学生”。没有单元的楼写 楼号 房号 人数。也可在上面两张名单里点“加入”。', 'One household a line: building unit room people (or as written in Chinese, "3栋1单元502室 2人"), then a name if you like; for the students\' period only, end the line with "students". A building without units: building room people. Or tap "Add" in the two lists above.'],
    cardsPlaceholder: ['3 1 502 2 王秀英\n7 2 1101 1\n12 3 401 1 学生', '3 1 502 2 Wang Xiuying\n7 2 1101 1\n12 3 401 1 students'],
    cardsGo: ['预约并生成票卡', 'Book and make the cards'], cardsLine: ['行', 'Line'], cardsHousehold: ['住户', 'Household'], cardsTicket: ['票', 'Ticket'], cardsWhen: ['时段 · 采样点', 'Window · site'],
    cardsAdd: ['加入', 'Add'], cardsAdded: ['已加入票卡名单：{0}', 'Added to the cards list: {0}'], cardsTwoBuildings: ['第 {0} 行：“{1}”可以是不止一栋楼（{2}），请写楼的编号。', 'Line {0}: "{1}" may be more than one building ({2}): write the building\'s id.'], cardsTooMany: ['这里有 {0} 户：一次最多打印 {1} 张票卡，请分批（还没有预约）。', '{0} households here: at most {1} cards a print; send them in parts (nothing was booked).'],
    cardsEmpty: ['请先写上住户，每行一户。', 'Write the households first, one a line.'],
    cardsBad: ['第 {0} 行“{1}”看不懂：应为 楼号 单元 房号 人数（人数 1–8）。', 'Line {0} "{1}" cannot be read: want building unit room people (1-8 people).'],
    cardsNoBuilding: ['第 {0} 行：本小区没有“{1}”这栋楼。', 'Line {0}: no building "{1}" in this compound.'],
    cardsErr: ['第 {0} 行“{1}”：{2}', 'Line {0} "{1}": {2}'], cardsBooking: ['正在预约…', 'Booking…'], cardsPrinting: ['已预约，正在生成票卡…', 'Booked; making the cards…'],
    cardsDone: ['{0} 户有票，票卡已生成：点“打开票卡”打印，剪开后送到住户家。', '{0} households have tickets and their cards are ready: open them to print, cut, and deliver.'],
    cardsSome: ['{0} 户有票，票卡已生成；{1} 户没有约到时段（见下表），没有票卡。', '{0} households have tickets and cards; {1} got no window (see below) and have no card.'],
    cardsNone: ['没有一户约到时段，没有票卡可打印。', 'No household got a window: there is no card to print.'],
    cardTicket: ['票 {0}', 'No. {0}'], unitN2: ['{0} 单元 ', 'unit {0} room '],
    cardsCsv: ['下载票卡 CSV（{0} 户）', 'Download the cards\' CSV ({0})'], cardsPdf: ['打开票卡（{0} 张）', 'Open the cards ({0})'], cardsKept: ['（已有的票）', '(already booked)'], cardsNoPdf: ['票已预约，但票卡没有生成：{0}', 'The tickets are booked, but the cards were not made: {0}']
  });
  N.translate();

  var st = { token: '', compound: '', role: '', status: null, map: null, site: '', offset: 0, current: null, es: null, tubeN: {}, desk: 1, line: null, busy: null };
  try {
    st.token = localStorage.getItem('natq.staff.token') || ''; st.site = localStorage.getItem('natq.staff.site') || '';
    st.desk = parseInt(localStorage.getItem('natq.staff.desk'), 10) || 1;
  } catch (e) {}

  // notice shows msg above the page: in red, or in amber when info (news
  // for the desk, not a failure).
  function notice(msg, info) { var n = $('notice'); text(n, msg); n.hidden = !msg; n.classList.toggle('info', !!info); }
  // result shows what the last action did: ok (green), warn (amber: a
  // second scan) or bad (red).
  function result(msg, ok) {
    var r = $('result'), cls = ok === 'warn' ? ' warn' : ok ? ' ok' : ' bad';
    text(r, msg); r.className = 'result' + (msg ? cls : '');
  }
  function now() { return Date.now() + st.offset; }
  function enc(s) { return encodeURIComponent(s); }
  function compoundOf(tok) { var i = tok.lastIndexOf('.'); return i > 0 ? tok.slice(0, i) : ''; }

  // signIn asks whose tok is: 'ok' (signed in, kept), 'bad' (not a staff
  // token, or expired), 'display' (a site display's: it may not work a
  // desk) or 'away' (no answer: the network or the service, for now).
  function signIn(tok) {
    tok = tok.trim();
    var c = compoundOf(tok);
    if (!c) return Promise.resolve('bad');
    return N.api('GET', '/api/v1/staff/me', undefined, tok).then(function (res) {
      // An instance from before /staff/me: its role from the coverage's answer.
      if (res.status === 404) return N.api('GET', '/api/v1/compounds/' + enc(c) + '/coverage', undefined, tok).then(function (r) {
        return { status: r.status === 403 ? 200 : r.status, body: r.status === 200 ? { role: 'coordinator' } : { role: 'marshal' } };
      });
      return res;
    }).then(function (res) {
      if (res.status === 401 || res.status === 403) return 'bad';
      if (res.status !== 200 || !res.body) return 'away';
      if (res.body.role === 'display') return 'display';
      st.role = res.body.role === 'coordinator' ? 'coordinator' : 'marshal';
      st.token = tok; st.compound = c;
      try { localStorage.setItem('natq.staff.token', tok); } catch (e) {}
      return 'ok';
    });
  }
  function signOut() {
    try { localStorage.removeItem('natq.staff.token'); } catch (e) {}
    location.reload();
  }

  function loadAll() {
    return Promise.all([
      N.api('GET', '/api/v1/compounds/' + enc(st.compound)),
      N.api('GET', '/api/v1/compounds/' + enc(st.compound) + '/map.json')
    ]).then(function (rs) {
      if (rs[0].status !== 200) { notice(N.errorText(rs[0])); return; }
      st.status = rs[0].body;
      if (rs[1].status === 200) {
        st.map = rs[1].body;
        if (st.map.now) st.offset = Date.parse(st.map.now) - Date.now();
      }
      pickSite();
      render();
      watch();
      return loadLine();
    });
  }
  function refreshStatus() {
    return N.api('GET', '/api/v1/compounds/' + enc(st.compound)).then(function (res) {
      if (res.status !== 200) return;
      // A closed site's notice is of the plan it was closed in.
      if (st.status && st.status.variant !== res.body.variant && st.closedNotice) { notice(''); st.closedNotice = false; }
      st.status = res.body; pickSite(); render(); watch();
    });
  }
  // soon reads the site's line and the compound's status again 120 ms
  // after a change, once for every change meanwhile: a read waiting reads
  // them too. It used to wait again from each change, so in a morning
  // rush, when a busy site books several times a second, the line went
  // unread for as long as the bookings came, the desk's own check-ins and
  // calls with it. A booking changes only the windows' counts: those are
  // read at most every BOOKED_REREAD ms; any other change, or the desk's
  // own, brings a later read forward.
  var timer = 0, timerAt = 0, lastRead = 0, BOOKED_REREAD = 2000;
  function soon(ev) {
    var now = Date.now(), at = now + 120;
    if (ev && (ev.type === 'booked' || ev.type === 'party')) at = Math.max(at, lastRead + BOOKED_REREAD);
    if (timer && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(function () { timer = 0; lastRead = Date.now(); refreshStatus(); loadLine(); }, at - now);
  }

  // loadLine reads the site's line: each desk's call and who waits, in
  // the order they will be called.
  function loadLine() {
    if (!st.site) return Promise.resolve();
    var site = st.site;
    return N.api('GET', '/api/v1/sites/' + enc(site) + '/line', undefined, st.token).then(function (res) {
      if (res.status !== 200 || site !== st.site) return;
      st.line = res.body;
      var mine = st.line.called.filter(function (e) { return e.desk === st.desk; })[0];
      if (mine) st.current = mine;
      else if (st.current && st.current.state === 'called') st.current = null;
      drawDesks(); drawLine(); drawCurrent();
    });
  }
  function drawDesks() {
    var sel = $('desk'), n = st.line ? st.line.desks : Math.max(1, st.desk);
    if (sel.options.length !== n) {
      N.clear(sel);
      for (var i = 1; i <= n; i++) { var o = el('option', '', t('deskN', i)); o.value = String(i); sel.appendChild(o); }
    }
    if (st.desk > n) st.desk = 1;
    sel.value = String(st.desk);
    var a = $('displaylink');
    a.href = '/display/' + enc(st.compound) + '/' + enc(st.site);
    a.hidden = !st.site;
  }
  function hhText(x) {
    var h = x.household || x;
    var b = x.building_name || bname(h.building);
    return h.unit ? t('hhLine', b, h.unit, h.room) : b + ' ' + h.room;
  }
  function drawLine() {
    var body = N.clear($('linerows')), l = st.line;
    if (!l) return;
    var rows = l.called.concat(l.waiting);
    $('lineempty').hidden = rows.length > 0 || l.waiting_more > 0;
    var k = 0;
    rows.forEach(function (e) {
      var called = e.state === 'called';
      var next = !called && k === 0;
      if (!called) k++;
      var tr = el('tr', called ? 'called' : next ? 'next' : '');
      tr.appendChild(el('td', 'ord', called ? '' : next ? t('nextUp') : k));
      tr.appendChild(el('td', 'tno', e.id));
      tr.appendChild(el('td', '', hhText(e)));
      tr.appendChild(el('td', 'n', e.party));
      var sc = el('td', 'st', called ? t('stateCalled') : t('stateChecked'));
      if (called) sc.appendChild(el('span', 'tag desk', t('deskN', e.desk)));
      if (e.recall) sc.appendChild(el('span', 'tag recall', t('recallTag')));
      if (e.outside_window) sc.appendChild(el('span', 'tag outside', t('outside')));
      tr.appendChild(sc);
      tr.appendChild(el('td', 'n', t('minutes', e.waited_min)));
      tr.appendChild(el('td', 'n turn', e.turn && !called ? t('turnAt', N.hm(e.turn.at)) : ''));
      body.appendChild(tr);
    });
    // A long line lists its first parties (the service's LineShown); the
    // rest are counted.
    if (l.waiting_more > 0) {
      var more = el('tr', 'more'), td = el('td', '', N.tn('moreWaiting', l.waiting_more));
      td.colSpan = 7;
      more.appendChild(td);
      body.appendChild(more);
    }
    drawForecast();
  }
  // drawForecast says when the line now should be through and how that
  // is computed (the service's forecast, queue/forecast.go).
  function drawForecast() {
    var f = st.line && st.line.forecast, box = $('forecast');
    box.hidden = !f;
    if (!f) return;
    var rate = Math.round(f.rate);
    text('fcsum', f.clears_at ? t('fcClears', N.hm(f.clears_at), rate, f.plan_rate, f.measured) : t('fcEmpty', rate, f.plan_rate, f.measured));
    $('fcsum').setAttribute('data-clears', f.clears_at || '');
    text('fcmethod', N.both(f.method));
    drawWindows(siteStatus());
  }

  // drawSim shows the plan's simulated line at the site (static's
  // simchart.go), fetched with the staff token when the box is open.
  var simFor = '';
  function drawSim() {
    var box = $('simbox'), img = $('simimg');
    var v = st.status ? st.status.variant : 'dry', key = st.compound + '|' + st.site + '|' + v;
    text('simnote', t('simNote', t(v)));
    if (!box.open || !st.site || simFor === key) return;
    simFor = key;
    img.hidden = true;
    text('simnote', t('simLoading'));
    fetch('/api/v1/compounds/' + enc(st.compound) + '/sim/' + enc(st.site) + '.svg?variant=' + enc(v),
      { headers: { 'Authorization': 'Bearer ' + st.token }, cache: 'no-store' }).then(function (r) {
      return r.ok ? r.text() : Promise.reject(r.status);
    }).then(function (svg) {
      if (simFor !== key) return;
      img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(svg)));
      img.alt = t('simTitle');
      img.hidden = false;
      text('simnote', t('simNote', t(v)));
    }, function () { if (simFor === key) { simFor = ''; text('simnote', t('simFailed')); } });
  }

  function activeSites() {
    var v = st.status ? st.status.variant : 'dry';
    return (st.status ? st.status.sites : []).filter(function (s) { return s.variant === v && s.windows.length; });
  }
  function pickSite() {
    var ss = activeSites();
    var here = function (id) { return ss.some(function (s) { return s.id === id; }); };
    if (!here(st.site)) {
      var closed = st.site;
      st.site = st.fallback = ss.length ? ss[0].id : '';
      if (closed && st.status) followClosed(closed, here);
    }
    var sel = $('site'), keep = st.site;
    N.clear(sel);
    ss.forEach(function (s) { var o = el('option', '', s.name || s.id); o.value = s.id; sel.appendChild(o); });
    sel.value = keep; sel.hidden = !ss.length;
  }
  // followClosed: the tablet's site has no place in the plan now (the
  // rain switch, thrown here or on another tablet). It tells the desk
  // where the site's buildings go and shows the site most of them go to,
  // instead of whichever site comes first, unless the desk picked one.
  function followClosed(from, here) {
    N.api('GET', '/api/v1/sites/' + enc(from) + '/line', undefined, st.token).then(function (res) {
      var l = res.body;
      if (res.status !== 200 || !l || !l.closed) return;
      var to = null, most = 0, sep = N.lang() === 'en' ? '; ' : '；';
      var where = (l.moved_to || []).map(function (m) {
        if (m.site && here(m.site) && m.buildings.length > most) { to = m; most = m.buildings.length; }
        return t('goesTo', m.buildings.join(N.lang() === 'en' ? ', ' : '、'), m.site ? m.site_name || m.site : t('atHome'));
      }).join(sep);
      var name = l.site_name || from;
      // Followed unless the desk has picked a site since.
      st.closedNotice = true;
      if (!to || st.site !== st.fallback) { notice(t('siteClosedNone', name, t(l.variant), where), true); return; }
      notice(t('siteClosed', name, t(l.variant), where, to.site_name || to.site), true);
      if (st.site === to.site) return;
      $('site').value = to.site;
      showSite(to.site);
    });
  }
  // showSite makes the tablet the desk of site: kept for the next visit,
  // its line and stream read anew.
  function showSite(site) {
    st.site = site;
    try { localStorage.setItem('natq.staff.site', st.site); } catch (e) {}
    st.current = null; st.busy = null; st.line = null;
    render(); watch(); loadLine();
  }
  function siteStatus() {
    var ss = activeSites();
    for (var i = 0; i < ss.length; i++) if (ss[i].id === st.site) return ss[i];
    return null;
  }
  function bname(id) {
    var bs = st.map ? st.map.buildings : [];
    for (var i = 0; i < bs.length; i++) if (bs[i].id === id) return bs[i].name || id;
    return id === 'students' ? t('studentsTag') : id; // a students' period window's group
  }

  function watch() {
    // With the bookings: the windows' counts are the tablet's (soon).
    var url = st.site ? '/api/v1/sites/' + enc(st.site) + '/events?bookings=1' : '';
    if (st.es && st.es.url.indexOf(url) < 0) { st.es.close(); st.es = null; }
    if (url && !st.es) st.es = N.listen(url, function (ev) {
      if (ev && typeof ev.in_line === 'number' && ev.site === st.site && ev.type !== 'variant') drawOcc(ev.in_line);
      soon(ev);
    }, function () { soon(); }); // back after a break: read what it missed
  }

  function render() {
    N.translate();
    drawHouseholds();
    text('cname', st.status ? '· ' + (st.status.name || st.compound) : '');
    $('tab-cov').hidden = st.role !== 'coordinator';
    var rain = $('rain');
    rain.hidden = st.role !== 'coordinator' || !st.status || st.status.variants.indexOf('wet') < 0;
    var wet = st.status && st.status.variant === 'wet';
    if (!rainArmed) text(rain, wet ? t('rainOn') : t('rainOff'));
    rain.classList.toggle('on', !!wet);
    rain.setAttribute('aria-pressed', wet ? 'true' : 'false');
    document.body.classList.toggle('wet', !!wet);
    var s = siteStatus();
    drawOcc(s ? s.in_line : 0);
    drawWindows(s);
    drawCurrent();
    drawSim();
  }

  function drawOcc(n) {
    var s = siteStatus(), cap = s ? s.line_capacity : 0;
    var frac = cap ? Math.min(1, n / cap) : 0;
    $('occfill').style.width = (frac * 100).toFixed(1) + '%';
    text('occnum', t('occ', n, cap));
    var full = cap > 0 && n >= cap;
    $('occ').classList.toggle('full', full);
    $('occ').setAttribute('data-full', full ? 'true' : 'false');
    var msg = full ? t('occFull') : frac >= 0.8 ? t('occNear') : '';
    text('occmsg', msg); $('occmsg').hidden = !msg;
  }

  // The current window is the one open now; then the next one. Before
  // the day they are the first two; after it, the last two.
  function currentWindows(s) {
    var ws = s ? s.windows.slice().sort(function (a, b) { return Date.parse(a.start) - Date.parse(b.start); }) : [];
    var n = now(), i = 0;
    while (i < ws.length && Date.parse(ws[i].end) <= n) i++;
    if (i >= ws.length) i = Math.max(0, ws.length - 2);
    return ws.slice(i, i + 2);
  }
  function drawWindows(s) {
    var body = N.clear($('wins')), due = N.clear($('due'));
    var ws = currentWindows(s), n = now();
    ws.forEach(function (w, k) {
      var open = Date.parse(w.start) <= n && n < Date.parse(w.end);
      var tr = el('tr', open ? 'now' : '');
      tr.appendChild(el('td', '', open ? t('nowTag') : Date.parse(w.end) <= n ? t('doneTag') : t('nextTag')));
      tr.appendChild(el('td', '', N.span(w)));
      tr.appendChild(el('td', 'n', w.booked + ' / ' + w.capacity));
      tr.appendChild(el('td', 'n', w.checked_in));
      tr.appendChild(el('td', 'n', w.sampled));
      var wf = st.line && st.line.forecast && st.line.site === st.site ? st.line.forecast.windows.filter(function (x) { return x.index === w.index; })[0] : null;
      tr.appendChild(el('td', 'n turn', wf && wf.turn ? t('turnAt', N.hm(wf.turn.at)) : wf ? t('none') : ''));
      body.appendChild(tr);
    });
    var groups = 0;
    ws.forEach(function (w) {
      var mw = st.map ? st.map.windows.filter(function (x) { return x.index === w.index; })[0] : null;
      if (!mw) return;
      mw.groups.forEach(function (g) {
        groups++;
        var parts = [N.hm(w.start), bname(g.building)];
        if (g.unit) parts.push(t('units', g.unit));
        if (g.floors && g.floors.length === 2) parts.push(t('floors', g.floors[0], g.floors[1]));
        parts.push(N.tn('peopleN', g.people));
        due.appendChild(el('li', '', parts.join(' · ')));
      });
    });
    if (!groups) due.appendChild(el('li', '', t('nobodyDue')));
  }

  function ticketLine(tk) {
    var h = tk.household || tk;
    return bname(h.building) + ' ' + t(h.unit ? 'ticketLine' : 'ticketLineNoUnit', h.unit, h.room, tk.party, tk.id) + (tk.students ? ' · ' + t('studentsTag') : '');
  }
  function drawCurrent() {
    var tk = st.current;
    text('current', tk ? ({ called: t('stateCalled'), checked_in: t('stateChecked'), sampled: t('stateSampled') }[tk.state] || tk.state) + ' · ' + ticketLine(tk) : t('noTicket'));
    var open = !!tk && tk.state === 'called';
    ['noshow', 'sampledBtn', 'requeueBtn', 'repeatBtn'].forEach(function (id) { $(id).disabled = !open; });
    var b = st.busy;
    $('busy').hidden = !b;
    if (b) text('busymsg', t('busyMsg', st.desk, ticketLine(b)));
  }

  // tokenOf takes what a scanner typed: the ticket page URL in the QR, or
  // the bare token.
  function tokenOf(s) {
    s = s.trim();
    var i = s.lastIndexOf('/t/');
    if (i >= 0) s = s.slice(i + 3);
    s = s.split(/[?#\s]/)[0];
    try { s = decodeURIComponent(s); } catch (e) {}
    return s;
  }
  // A scan whose answer did not come (the site's Wi-Fi, natq restarting)
  // is sent again, up to SCAN_TRIES times a second apart, while the
  // resident waits at the desk: a check-in is safe to send twice, and
  // when the first got through before the break the next finds it done.
  var SCAN_TRIES = 3;
  // A ticket's short number, typed from a phone or card whose QR code
  // will not scan ("123", "票 123", "No.123", full-width digits): the
  // tablet reads whose ticket it is and checks it in only once the
  // marshal has asked the resident, for a typo would put a neighbour in
  // line.
  var NUMBER = /^\s*(票号?|no\.?|#)?\s*[:：.]?\s*[0-9０-９][0-9０-９\s]*号?\s*$/i;
  var pending = null;
  function byNumber(raw) {
    N.api('GET', '/api/v1/compounds/' + enc(st.compound) + '/tickets/' + enc(raw.trim()), undefined, st.token).then(function (res) {
      if (res.status !== 200 || !res.body) { result(N.errorText(res), false); return; }
      askWhose(res.body);
    });
  }
  function bynoClose() { pending = null; $('byno').hidden = true; }
  // askWhose shows a ticket found or made for a resident without a code
  // that scans, and checks it in when the marshal says it is theirs.
  // A ticket just made at the desk (fresh) shows its QR code: a resident
  // with a phone scans it to keep the ticket, one without notes 票 N, to
  // come back with when its window is later.
  function askWhose(tk, lead, fresh) {
    pending = tk;
    var where = tk.site_name || tk.site;
    text('bynomsg', (lead || '') + t('bynoMsg', ticketLine(tk), N.span(tk.window), where) + (tk.site !== st.site ? ' ' + t('hhElsewhere', where) : ''));
    $('bynoqrbox').hidden = !fresh;
    if (fresh) {
      $('bynoqr').src = '/qr/' + enc(tk.ticket) + '.svg';
      text('bynoqrnote', t('bynoQr', tk.id));
    }
    $('byno').hidden = false;
    result('', null);
  }
  // The household form: the buildings this site serves first, a unit
  // when the building has several, the room as the resident says it.
  // A household form (the desk's, the door-to-door team's): ids p+'b'
  // (building), p+'u' (unit, its label p+'ul'), p+'p' (party). first
  // says which buildings come first: this site's at the desk, those
  // sampled door to door for the home team. A list is drawn again only
  // when what it shows changes: an open list is not redrawn under the
  // marshal's finger.
  function householdForm(p, first) {
    var drawn = '';
    function units() {
      var id = $(p + 'b').value, b = (st.map ? st.map.buildings : []).filter(function (x) { return x.id === id; })[0];
      var n = b ? b.units || 0 : 0, sel = N.clear($(p + 'u'));
      $(p + 'ul').hidden = n < 2;
      if (n < 2) { var o0 = el('option', '', t('hhNoUnit')); o0.value = ''; sel.appendChild(o0); return; }
      for (var i = 1; i <= n; i++) { var o = el('option', '', String(i)); o.value = String(i); sel.appendChild(o); }
    }
    $(p + 'b').addEventListener('change', units);
    return function draw() {
      var sel = $(p + 'b'), keep = sel.value, v = st.status ? st.status.variant : 'dry';
      var bs = (st.map ? st.map.buildings : []).slice();
      if (drawn === st.site + '|' + v + '|' + bs.length) return;
      drawn = st.site + '|' + v + '|' + bs.length;
      bs.sort(function (a, b) {
        return (first(b, v) ? 1 : 0) - (first(a, v) ? 1 : 0) || (a.name || a.id).localeCompare(b.name || b.id, 'zh-CN', { numeric: true });
      });
      N.clear(sel);
      bs.forEach(function (b) { var o = el('option', '', b.name || b.id); o.value = b.id; sel.appendChild(o); });
      if (keep) sel.value = keep;
      units();
      var ps = $(p + 'p');
      if (!ps.options.length) for (var i = 1; i <= 8; i++) { var o = el('option', '', String(i)); o.value = String(i); ps.appendChild(o); }
    };
  }
  function atHome(b, v) { return !(b.site || {})[v]; }
  var deskForm = householdForm('hh', function (b, v) { return (b.site || {})[v] === st.site; });
  var homeForm = householdForm('home', atHome);
  function drawHouseholds() {
    deskForm(); homeForm();
    // A student at the desk in the students' period: their own ticket.
    $('hhsl').hidden = !(st.status && st.status.sites.some(function (x) { return x.windows.some(function (w) { return w.students; }); }));
    var v = st.status ? st.status.variant : 'dry';
    var names = (st.map ? st.map.buildings : []).filter(function (b) { return atHome(b, v); }).map(function (b) { return b.name || b.id; });
    text('homelist', names.length ? t('homeList', names.join(t('sep'))) : t('homeNone'));
  }
  // The door-to-door team's record: the household sampled at home now,
  // into a pooled tube if one is given. The round's records, from every
  // phone and tablet of the team, are listed newest first: read when the
  // card opens, after each record or take-back, and on 刷新.
  var homeRecs = null, homeAll = false;
  function sampledAtHome() {
    var h = { building: $('homeb').value, unit: $('homeu').value, room: $('homer').value, party: +$('homep').value || 1, tube: $('homet').value.trim() };
    N.api('POST', '/api/v1/compounds/' + enc(st.compound) + '/homesamples', h, st.token).then(function (res) {
      var r = $('homeres');
      if (res.status !== 201 || !res.body) {
        text(r, N.errorText(res)); r.className = 'result bad';
        if (N.errorCode(res) === 'bad_input' && res.body.error.field === 'room') $('homer').focus();
        return;
      }
      text(r, t('homeOk', recordLine(res.body))); r.className = 'result ok';
      loadHome();
      $('homer').value = '';
      $('homer').focus();
    });
  }
  function recordLine(tk) { return ticketLine(tk) + (tk.tube ? ' · ' + t('tubeN', tk.tube) : ''); }
  function loadHome() {
    N.api('GET', '/api/v1/compounds/' + enc(st.compound) + '/homesamples', undefined, st.token).then(function (res) {
      if (res.status !== 200 || !res.body) { text('homesum', N.errorText(res)); return; }
      homeRecs = res.body;
      drawHomeDone();
    });
  }
  // Each record can be taken back (a room mistyped at a door), from any
  // phone: the household then counts as not sampled again. One taken
  // back stays in the list, struck through, with when and by whom.
  function drawHomeDone() {
    var ul = N.clear($('homedone')), recs = homeRecs ? homeRecs.records : [];
    text('homesum', homeRecs ? t('homeSum', homeRecs.households, homeRecs.people) : '');
    (homeAll ? recs : recs.slice(0, 10)).forEach(function (x) {
      var undone = x.state === 'cancelled' || !!x.taken_back_at, li = el('li', undone ? 'undone' : '');
      li.appendChild(el('span', 'rec', N.hm(x.recorded_at || x.sampled_at) + ' ' + recordLine(x)));
      var who = x.recorded_by ? ' · ' + x.recorded_by : '';
      if (undone) who += ' · ' + t('homeUndoneAt', N.hm(x.taken_back_at), x.taken_back_by || '');
      if (x.booking_restored) who += ' · ' + t('homeRestored');
      li.appendChild(document.createTextNode(who));
      if (!undone) {
        var b = el('button', 'linkbtn', t('homeUndo'));
        b.type = 'button';
        b.addEventListener('click', function () { undoHome(x); });
        li.appendChild(document.createTextNode(' '));
        li.appendChild(b);
      }
      ul.appendChild(li);
    });
    var more = $('homemore');
    more.hidden = homeAll || recs.length <= 10;
    text(more, t('homeMore', recs.length));
  }
  function undoHome(x) {
    var line = recordLine(x);
    if (!window.confirm(t('homeUndoAsk', line))) return;
    N.api('DELETE', '/api/v1/tickets/' + enc(x.ticket) + '/home', undefined, st.token).then(function (res) {
      var r = $('homeres');
      if (res.status !== 200) { text(r, N.errorText(res)); r.className = 'result bad'; loadHome(); return; }
      var b = res.body || {};
      if (b.state === 'booked' && b.window) text(r, t('homeRestoredOk', line, b.site_name || b.site, N.hm(b.window.start), N.hm(b.window.end)));
      else text(r, t('homeUndoneOk', line));
      r.className = 'result warn';
      loadHome();
    });
  }
  function atDesk() {
    var h = { building: $('hhb').value, unit: $('hhu').value, room: $('hhr').value, party: +$('hhp').value || 1, students: !$('hhsl').hidden && $('hhs').checked };
    bynoClose();
    N.api('POST', '/api/v1/compounds/' + enc(st.compound) + '/walkins', h, st.token).then(function (res) {
      if ((res.status !== 200 && res.status !== 201) || !res.body) {
        result(N.errorText(res), false);
        if (N.errorCode(res) === 'bad_input' && res.body.error.field === 'room') $('hhr').focus();
        return;
      }
      $('hhr').value = '';
      askWhose(res.body, t(res.status === 201 ? 'hhNew' : 'hhFound'), res.status === 201);
    });
  }
  function checkIn(raw, tries) {
    tries = tries || 1;
    if (tries === 1) bynoClose();
    if (tries === 1 && NUMBER.test(raw)) { byNumber(raw); return; }
    var tok = tokenOf(raw);
    if (!tok) { result(t('emptyScan'), false); return; }
    if (!st.site) { result(t('noSite'), false); return; }
    N.api('POST', '/api/v1/sites/' + enc(st.site) + '/checkins', { ticket: tok }, st.token).then(function (res) {
      if (res.status >= 200 && res.status < 300) {
        var tk = res.body.ticket && typeof res.body.ticket === 'object' ? res.body.ticket : res.body;
        var at = Date.parse(tk.checked_in_at), w = tk.window || {};
        var outside = at && (at < Date.parse(w.start) || at > Date.parse(w.end));
        result(t('checkedInOk', ticketLine(tk), tk.ahead || 0) + (outside ? ' · ' + t('outsideAt', N.span(w)) : ''), true);
        soon();
      } else if ((res.status === 0 || res.status >= 500) && tries < SCAN_TRIES) {
        result(t('scanAgain', tries + 1, SCAN_TRIES), 'warn');
        setTimeout(function () { checkIn(raw, tries + 1); }, 1000);
      } else if (tries > 1 && N.errorCode(res) === 'already_checked_in') {
        result(t('inBeforeBreak', N.errorText(res)), true);
        soon();
      } else result(N.errorText(res), N.errorCode(res) === 'already_checked_in' ? 'warn' : false);
    });
  }
  function act(method, url, body, ok) {
    return N.api(method, url, body, st.token).then(function (res) {
      if (res.status >= 200 && res.status < 300) { ok(res.body); soon(); }
      else result(N.errorText(res), false);
      drawCurrent();
      $('scan').focus();
    });
  }
  // callNext calls the next person to this desk. While the desk's last
  // call is open the service refuses and names that person: the desk
  // says first what became of them.
  function callNext() {
    if (!st.site) { result(t('noSite'), false); return; }
    N.api('POST', '/api/v1/sites/' + enc(st.site) + '/calls', { desk: st.desk }, st.token).then(function (res) {
      if (res.status === 200) {
        st.busy = null; st.current = res.body;
        result(t('calledOk', ticketLine(st.current)), true);
        soon();
      } else if (N.errorCode(res) === 'desk_busy' && res.body.ticket) {
        st.busy = res.body.ticket; st.current = res.body.ticket;
        result(N.errorText(res), 'warn');
      } else result(N.errorText(res), false);
      drawCurrent();
    });
  }
  function noShow() {
    var tk = st.current;
    if (!tk) { result(t('noTicket'), false); return; }
    st.busy = null;
    act('POST', '/api/v1/tickets/' + enc(tk.ticket) + '/noshow', undefined, function (b) {
      var nt = b.ticket || tk;
      st.current = b.next || null;
      if (b.no_show) result(t('noShowOk', ticketLine(nt)) + (b.next ? ' · ' + t('calledOk', ticketLine(b.next)) : ''), true);
      else if (b.next) result(t('missedNext', ticketLine(nt), ticketLine(b.next)), true);
      else result(t('missedNone', ticketLine(nt), b.calls), true);
    });
  }
  function requeue() {
    var tk = st.current;
    if (!tk) { result(t('noTicket'), false); return; }
    st.busy = null;
    act('POST', '/api/v1/tickets/' + enc(tk.ticket) + '/requeue', undefined, function (b) {
      st.current = null;
      result(t('requeued', ticketLine(b.ticket || tk)), true);
    });
  }
  function repeat() {
    var tk = st.current;
    if (!tk) { result(t('noTicket'), false); return; }
    act('POST', '/api/v1/tickets/' + enc(tk.ticket) + '/repeat', undefined, function (b) {
      result(t('repeated', ticketLine(b)), true);
    });
  }
  function sampled() {
    st.busy = null;
    var tk = st.current;
    if (!tk) { result(t('noTicket'), false); return; }
    var tube = $('tube').value.trim();
    var body = { site: st.site };
    if (tube) body.tube = tube;
    act('POST', '/api/v1/tickets/' + enc(tk.ticket) + '/sampled', body, function (b) {
      var nt = b.ticket && typeof b.ticket === 'object' ? b.ticket : b;
      st.current = null;
      var msg = t('sampledOk', ticketLine(nt));
      if (tube) { st.tubeN[tube] = (st.tubeN[tube] || 0) + 1; msg += ' · ' + t('tubeCount', tube, st.tubeN[tube]); }
      result(msg, true);
    });
  }

  var rainArmed = false, rainTimer = 0;
  function rain() {
    var to = st.status.variant === 'wet' ? 'dry' : 'wet';
    if (!rainArmed) {
      rainArmed = true; text('rain', t('rainConfirm', t(to)));
      rainTimer = setTimeout(function () { rainArmed = false; render(); }, 5000);
      return;
    }
    clearTimeout(rainTimer); rainArmed = false;
    N.api('PUT', '/api/v1/compounds/' + enc(st.compound) + '/variant', { variant: to }, st.token).then(function (res) {
      if (res.status >= 200 && res.status < 300) {
        var ms = res.body && res.body.moved ? res.body.moved : [];
        var n = function (w) { return ms.filter(function (m) { return m.what === w; }).length; };
        result(t('switched', t(to), ms.length, n('kept'), n('moved')), true);
        drawMoved(ms.filter(function (m) { return m.what === 'kept' || m.what === 'moved'; }));
      } else result(N.errorText(res), false);
      return refreshStatus().then(loadLine);
    });
  }

  // drawMoved lists the people in a line whom the switch kept or moved,
  // so the marshals can send the moved ones on.
  var lastMoved = [];
  function drawMoved(ms) {
    lastMoved = ms;
    var ul = N.clear($('movedlist'));
    $('moved').hidden = !ms.length;
    ms.forEach(function (m) {
      var tk = m.ticket, from = sname(m.from_site), to = tk.site_name || sname(tk.site);
      var li = el('li', m.what, m.what === 'moved' ? t('movedTo', tk.id, hhText(tk), from, to) : t('keptIn', tk.id, hhText(tk), to));
      ul.appendChild(li);
    });
  }
  function sname(id) {
    var ss = st.status ? st.status.sites : [];
    for (var i = 0; i < ss.length; i++) if (ss[i].id === id && ss[i].name) return ss[i].name;
    return id;
  }

  function coverage() {
    N.api('GET', '/api/v1/compounds/' + enc(st.compound) + '/coverage', undefined, st.token).then(function (res) {
      if (res.status !== 200) { notice(N.errorText(res)); return; }
      var c = res.body, rows = N.clear($('covrows')), nots = N.clear($('notrows'));
      c.buildings.forEach(function (b) {
        var tr = el('tr');
        tr.appendChild(el('td', '', (b.name || b.building) + (b.door_to_door ? t('covHome') : '')));
        tr.appendChild(el('td', 'n', b.expected));
        tr.appendChild(el('td', 'n', b.booked));
        tr.appendChild(el('td', 'n', b.sampled));
        tr.appendChild(el('td', 'n', b.previous ? b.previous.sampled : t('none')));
        tr.appendChild(el('td', 'n', b.unbooked_households));
        rows.appendChild(tr);
      });
      function row(body, h) {
        var tr = el('tr');
        tr.appendChild(el('td', '', bname(h.building)));
        tr.appendChild(el('td', '', h.unit));
        tr.appendChild(el('td', '', h.room + (h.students ? ' · ' + t('studentsTag') : '')));
        tr.appendChild(el('td', 'n', h.party));
        // A household to knock on gets a ticket card: add it to the list.
        var td = el('td'), b = el('button', 'add', t('cardsAdd'));
        b.type = 'button';
        b.addEventListener('click', function () { addCard(h); });
        td.appendChild(b);
        tr.appendChild(td);
        body.appendChild(tr);
      }
      c.not_sampled.forEach(function (h) { row(nots, h); });
      // The rounds compared: who came last time and has no ticket now.
      var missed = N.clear($('missedrows'));
      (c.missed || []).forEach(function (h) { row(missed, h); });
      text('missednote', !c.previous ? t('firstRound') : t('missedNote', c.previous, (c.missed || []).length));
    });
  }
  // Ticket cards for residents without phones: the coordinator types the
  // households (or adds them from the coverage lists), the service books
  // them on paper (POST .../prebookings, which is idempotent) and prints
  // their cards as one PDF from the same rows.
  function addCard(h) {
    // The building as the coordinator knows it, its name, when the name
    // reads back as this building; else its id.
    var name = bname(h.building), b = /[,\t"]/.test(name) || buildings(name).join() !== h.building ? h.building : name;
    var ta = $('cardrows'), line = [b, h.unit || '', h.room, h.party].concat(h.students ? ['', '学生'] : []).map(csvCell).join(',');
    ta.value = ta.value.replace(/\s*$/, '') + (ta.value.trim() ? '\n' : '') + line + '\n';
    cardMsg(t('cardsAdded', hhText(h)), 'warn');
  }
  function csvCell(s) { s = String(s); return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
  function hhText(h) {
    return bname(h.building) + ' ' + (h.unit ? t('unitN2', h.unit) : '') + h.room + (h.students ? ' · ' + t('studentsTag') : '');
  }
  function cardMsg(msg, ok) {
    var r = $('cardmsg'), cls = ok === 'warn' ? ' warn' : ok ? ' ok' : ' bad';
    text(r, msg); r.className = 'result' + (msg ? cls : '');
  }
  // buildings are the ids of the buildings a coordinator's words may mean:
  // the building of that id, or those whose name or number (3, 3号楼, 3栋,
  // 3幢, ３号) reads the same, as the service reads a pre-booking's
  // (queue's calledBuilding): one is the building, more are a question.
  function buildings(s) {
    function bare(x) { return String(x || '').normalize('NFKC').replace(/\s+/g, '').replace(/(号楼|号|栋|幢|楼|座)$/, '').toLowerCase(); }
    var want = bare(s), ids = [], bs = st.map ? st.map.buildings : [];
    for (var i = 0; i < bs.length; i++) if (bs[i].id === s) return [s];
    bs.forEach(function (b) {
      if (want && ids.indexOf(b.id) < 0 && (bare(b.name) === want || bare(b.id).replace(/^[a-z]+/, '') === want)) ids.push(b.id);
    });
    return ids;
  }
  // cardLine reads one typed household: "3 1 502 2 王秀英", "3 502 2" (a
  // building without units), "12 3 401 1 学生", as people write it
  // ("3栋1单元502室 2人", "3-1-502 2"), or a spreadsheet's row (tabs or
  // commas, in the pre-booking CSV's order: building, unit, room, people,
  // name, students). null when it is not one.
  function cardLine(s) {
    s = s.normalize('NFKC').trim();
    var c;
    if (/[,\t]/.test(s)) c = s.split(/\s*[,\t]\s*/);
    else {
      // The words that end a building, a unit or a room end a field, and
      // so does a dash between numbers; "2人" is 2 people.
      s = s.replace(/(\d)\s*[-‐‑–—]\s*(?=\d)/g, '$1 ').replace(/(号楼|栋|幢|单元|室)\s*/g, '$1 ').trim();
      c = s.split(/\s+/).map(function (w, i) { return i > 1 && /^[1-8](人|口|位)$/.test(w) ? w.charAt(0) : w; });
      var stu = c.length > 3 && /^(学生|学生专场|students?|是)$/i.test(c[c.length - 1]);
      if (stu) c.pop();
      if (c.length === 3 || (c.length >= 4 && /^[1-8]$/.test(c[2]) && !/^\d+$/.test(c[3]))) c.splice(1, 0, '');
      c = [c[0], c[1], c[2], c[3], c.slice(4).join(' '), stu ? '是' : ''];
    }
    if (c.length < 4 || !c[0] || !c[2] || !/^[1-8]$/.test(c[3] || '')) return null;
    return c;
  }
  // drawCards lists the last card list's answers, a line each, in the
  // page's language (again when it changes); it returns how many booked.
  var lastCards = null;
  function drawCards() {
    var res = N.clear($('cardres')), got = 0;
    if (!lastCards) return 0;
    lastCards.tickets.forEach(function (pb) {
      var tr = el('tr'), a = lastCards.at[pb.row - 1] || { n: pb.row }, bk = pb.booking;
      tr.appendChild(el('td', 'n', a.n));
      tr.appendChild(el('td', '', hhText(pb.household) + (pb.name ? ' ' + pb.name : '') + ' · ' + N.tn('peopleN', pb.household.party)));
      tr.appendChild(el('td', '', bk ? t('cardTicket', bk.id) + (pb.created ? '' : ' ' + t('cardsKept')) : '—'));
      var e = pb.error;
      tr.appendChild(el('td', bk ? '' : 'bad', bk ? N.span(bk.window) + ' · ' + (bk.site_name || bk.site) : (N.lang() === 'en' ? e.message_en : e.message)));
      res.appendChild(tr);
      if (bk) got++;
    });
    $('cardtable').hidden = false;
    return got;
  }
  function cards() {
    var lines = $('cardrows').value.split('\n'), rows = [], at = [];
    for (var i = 0; i < lines.length; i++) {
      var s = lines[i].trim();
      if (!s) continue;
      var c = cardLine(s);
      if (!c) { cardMsg(t('cardsBad', i + 1, s), false); return; }
      var b = buildings(c[0]);
      if (!b.length) { cardMsg(t('cardsNoBuilding', i + 1, c[0]), false); return; }
      if (b.length > 1) { cardMsg(t('cardsTwoBuildings', i + 1, c[0], b.join(t('sep'))), false); return; }
      c[0] = b[0];
      rows.push(c);
      at.push({ n: i + 1, s: s });
    }
    if (!rows.length) { cardMsg(t('cardsEmpty'), false); return; }
    // The service prints at most 500 cards a request (queue.MaxCardsPerPrint).
    if (rows.length > 500) { cardMsg(t('cardsTooMany', rows.length, 500), false); return; }
    var csv = rows.map(function (c) { return c.map(csvCell).join(','); }).join('\n') + '\n';
    var link = $('cardpdf');
    if (link.href) URL.revokeObjectURL(link.href);
    link.hidden = true; link.removeAttribute('href');
    lastCards = null;
    N.clear($('cardres'));
    $('cardtable').hidden = true;
    $('cardgo').disabled = true;
    cardMsg(t('cardsBooking'), 'warn');
    function post(accept, body) {
      return fetch('/api/v1/compounds/' + enc(st.compound) + '/prebookings', {
        method: 'POST', cache: 'no-store', body: body || csv,
        headers: { 'Accept': accept, 'Content-Type': 'text/csv; charset=utf-8', 'Authorization': 'Bearer ' + st.token }
      });
    }
    function refusal(r) {
      return r.text().then(function (x) {
        var b = null;
        try { b = JSON.parse(x); } catch (e) {}
        var res = { status: r.status, body: b }, e = b && b.error, msg = N.errorText(res);
        // "row 3 room: ..." names the line: say it as the coordinator typed it.
        var m = e && e.field ? /^row (\d+)/.exec(e.field) : null;
        var ln = m ? at[rowAt[+m[1] - 1] - 1] : null;
        if (ln) return t('cardsErr', ln.n, ln.s, msg.replace(/^(row \d+[^：:]*|第 \d+ 行)[：:]\s*/, ''));
        return msg;
      });
    }
    var fail = function (msg) { cardMsg(msg, false); };
    // rowAt maps a row of what was posted to a row of rows (1-based):
    // the first post sends them all, the print only the booked ones.
    var rowAt = rows.map(function (_, i) { return i + 1; });
    post('application/json').then(function (r) {
      if (r.status !== 200) return refusal(r).then(fail);
      return r.json().then(function (body) {
        lastCards = { tickets: body.tickets, at: at };
        var got = drawCards();
        // The coverage figures and lists above count the new tickets.
        if (body.tickets.some(function (pb) { return pb.created; })) coverage();
        var missed = body.tickets.length - got;
        if (!got) { cardMsg(t('cardsNone'), false); return; }
        // The cards are those of the rows booked just now, and only those:
        // a row refused above (its window full) is not asked again, so the
        // PDF holds no card the table did not show, even if a seat frees
        // meanwhile. Asking again for a booked row returns its ticket.
        var printed = [];
        body.tickets.forEach(function (pb) { if (pb.booking && printed.indexOf(pb.row) < 0) printed.push(pb.row); });
        rowAt = printed;
        var again = printed.map(function (r) { return rows[r - 1].map(csvCell).join(','); }).join('\n') + '\n';
        var post2 = function (accept) { return post(accept, again); };
        cardMsg(t('cardsPrinting'), 'warn');
        return post2('application/pdf').then(function (p) {
          // This server cannot print (no Chinese font): the same tickets
          // as a CSV, for natq print --tickets on a computer that can.
          if (p.status === 501) return refusal(p).then(function (msg) {
            return post2('text/csv').then(function (c) {
              if (c.status !== 200) { fail(t('cardsNoPdf', msg)); return; }
              return c.blob().then(function (blob) {
                link.href = URL.createObjectURL(blob);
                link.download = 'tickets-' + st.compound + '.csv';
                text(link, t('cardsCsv', got));
                link.hidden = false;
                cardMsg(msg, 'warn');
              });
            });
          });
          if (p.status !== 200) return refusal(p).then(function (msg) { fail(t('cardsNoPdf', msg)); });
          return p.blob().then(function (blob) {
            link.href = URL.createObjectURL(blob);
            link.download = 'tickets-' + st.compound + '.pdf';
            text(link, t('cardsPdf', +p.headers.get('X-Natq-Cards') || got)); // a household typed twice is one card
            link.hidden = false;
            cardMsg(missed ? t('cardsSome', got, missed) : t('cardsDone', got), missed ? 'warn' : true);
          });
        }, function () { fail(t('cardsNoPdf', N.errorText({ status: 0 }))); });
      });
    }, function () { fail(N.errorText({ status: 0 })); }).then(function () { $('cardgo').disabled = false; }, function () { $('cardgo').disabled = false; });
  }

  // staffTokens lists the compound's staff tokens, each name with a
  // revoke button (a lost tablet): the service refuses a revoked token on
  // every instance from its next request.
  function staffTokens() {
    N.api('GET', '/api/v1/compounds/' + enc(st.compound) + '/staff', undefined, st.token).then(function (res) {
      if (res.status !== 200) { notice(N.errorText(res)); return; }
      var rows = N.clear($('staffrows')), seen = {};
      res.body.staff.forEach(function (s) {
        if (seen[s.name]) return;
        seen[s.name] = true;
        var tr = el('tr');
        tr.appendChild(el('td', '', s.name));
        tr.appendChild(el('td', '', t('role_' + s.role)));
        tr.appendChild(el('td', '', s.expired ? t('expired') : (s.until ? s.until.slice(5, 16).replace('T', ' ') : t('none'))));
        var td = el('td'), b = el('button', 'noshow', t('revoke'));
        b.type = 'button';
        b.addEventListener('click', function () {
          if (!window.confirm(t('revokeConfirm', s.name))) return;
          N.api('DELETE', '/api/v1/compounds/' + enc(st.compound) + '/staff/' + enc(s.name), undefined, st.token).then(function (r) {
            if (r.status !== 200) { notice(N.errorText(r)); return; }
            notice(t('revokedOk', s.name, r.body.revoked));
            staffTokens();
          });
        });
        td.appendChild(b);
        tr.appendChild(td);
        rows.appendChild(tr);
      });
    });
  }
  function tab(which) {
    $('tab-site').setAttribute('aria-selected', which === 'site' ? 'true' : 'false');
    $('tab-cov').setAttribute('aria-selected', which === 'cov' ? 'true' : 'false');
    $('pane-site').hidden = which !== 'site';
    $('pane-cov').hidden = which !== 'cov';
    if (which === 'cov') { coverage(); staffTokens(); } else $('scan').focus();
  }

  // The camera: the browser's own BarcodeDetector where there is one,
  // else the vendored jsQR, loaded only now.
  var cam = { stream: null, timer: 0, detector: null };
  function loadJsQR() {
    if (window.jsQR) return Promise.resolve();
    return new Promise(function (ok, fail) {
      var s = document.createElement('script');
      s.src = '/static/vendor/jsqr/jsQR.js'; s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }
  function camera() {
    if (cam.stream) return stopCamera();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { result(t('noCamera'), false); return; }
    var ready = 'BarcodeDetector' in window ? Promise.resolve().then(function () { cam.detector = new window.BarcodeDetector({ formats: ['qr_code'] }); }) : loadJsQR();
    ready.then(function () {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    }).then(function (stream) {
      cam.stream = stream;
      var v = $('video'); v.srcObject = stream; v.hidden = false; v.play();
      text('cam', t('cameraStop'));
      var canvas = document.createElement('canvas'), ctx = canvas.getContext('2d');
      var last = '', lastAt = 0;
      function found(code) {
        if (code && (code !== last || Date.now() - lastAt > 4000)) { last = code; lastAt = Date.now(); checkIn(code); }
      }
      cam.timer = setInterval(function () {
        if (v.readyState < 2) return;
        if (cam.detector) { cam.detector.detect(v).then(function (cs) { if (cs.length) found(cs[0].rawValue); }, function () {}); return; }
        canvas.width = v.videoWidth; canvas.height = v.videoHeight;
        ctx.drawImage(v, 0, 0);
        var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
        var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' });
        if (code) found(code.data);
      }, 250);
    }).catch(function () { result(t('noCamera'), false); stopCamera(); });
  }
  function stopCamera() {
    clearInterval(cam.timer);
    if (cam.stream) cam.stream.getTracks().forEach(function (tr) { tr.stop(); });
    cam.stream = null; $('video').hidden = true; text('cam', t('camera'));
  }

  function start() {
    $('signin').hidden = true; $('app').hidden = false; $('signout').hidden = false;
    loadAll().then(function () { $('scan').focus(); });
    setInterval(function () { if (!document.hidden) refreshStatus(); }, 15000);
  }

  N.langButton('lang');
  N.onLang.push(function () { render(); drawDesks(); drawLine(); drawMoved(lastMoved); if (!$('pane-cov').hidden) { coverage(); staffTokens(); } if (lastCards) drawCards(); });
  $('signin').addEventListener('submit', function (ev) {
    ev.preventDefault();
    signIn($('token').value).then(function (how) {
      if (how === 'ok') { $('serr').hidden = true; start(); return; }
      text('serr', t(how === 'display' ? 'displayToken' : how === 'away' ? 'signInAway' : 'badToken')); $('serr').hidden = false;
    });
  });
  $('signout').addEventListener('click', signOut);
  // Connecting the site's call screen (a TV or spare tablet): the code a
  // screen without a token shows is typed here and pairs it, or a
  // display token's link is shown as a QR code for a screen with a
  // camera to scan. Either way the screen gets a token of its own that
  // can call no one. Shown until closed.
  function dqrClear() {
    $('dqrbox').hidden = true; $('dqrimg').removeAttribute('src'); $('dqrlink').removeAttribute('href'); text('dqrlink', '');
    text('pairmsg', ''); $('pairmsg').className = 'pairmsg'; $('paircode').value = '';
  }
  $('displayqr').addEventListener('click', function () {
    if (!st.site) return;
    dqrClear();
    $('dqr').hidden = false;
    $('paircode').focus();
  });
  $('pairform').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var code = $('paircode').value;
    function say(msg, ok) { text('pairmsg', msg); $('pairmsg').className = 'pairmsg ' + (ok ? 'ok' : 'bad'); }
    if ((code.match(/[0-9０-９]/g) || []).length !== 6) { say(t('pairShort'), false); return; }
    N.api('POST', '/api/v1/sites/' + enc(st.site) + '/displays', { code: code }, st.token).then(function (res) {
      if (res.status === 201 && res.body) {
        var b = res.body;
        say(b.screen_site ? t('pairedOther', b.name, b.screen_site_name || b.screen_site) : t('paired', b.name), true);
        $('paircode').value = '';
        return;
      }
      say(N.errorText(res), false);
    });
  });
  $('dqrshow').addEventListener('click', function () {
    if (!st.site) return;
    N.api('POST', '/api/v1/sites/' + enc(st.site) + '/displays', {}, st.token).then(function (res) {
      if (res.status !== 201 || !res.body) { result(N.errorText(res), false); return; }
      var d = res.body;
      $('dqrimg').src = 'data:image/svg+xml;base64,' + btoa(d.qr_svg);
      $('dqrimg').alt = t('qrAlt');
      text('dqrnote', t('dqrNote', siteStatus() ? siteStatus().name || st.site : st.site, String(d.until).slice(5, 16).replace('T', ' '), d.name));
      $('dqrlink').href = d.url; text('dqrlink', d.url);
      $('dqrbox').hidden = false;
    });
  });
  $('dqrclose').addEventListener('click', function () { $('dqr').hidden = true; dqrClear(); });
  $('simbox').addEventListener('toggle', drawSim);
  $('site').addEventListener('change', function () { showSite($('site').value); });
  // A keyboard-wedge scanner types the code and Enter: the form submits.
  $('scanform').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var v = $('scan').value; $('scan').value = '';
    checkIn(v);
  });
  $('bynoYes').addEventListener('click', function () {
    var tk = pending;
    bynoClose();
    if (tk) checkIn(tk.ticket);
    $('scan').focus();
  });
  $('bynoNo').addEventListener('click', function () { bynoClose(); result(t('bynoCancelled'), 'warn'); $('scan').focus(); });
  $('homego').addEventListener('click', sampledAtHome);
  $('homebox').addEventListener('toggle', function () { if ($('homebox').open) loadHome(); });
  $('homereload').addEventListener('click', loadHome);
  $('homemore').addEventListener('click', function () { homeAll = true; drawHomeDone(); });
  $('homer').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); sampledAtHome(); } });
  $('hhgo').addEventListener('click', atDesk);
  $('hhr').addEventListener('keydown', function (ev) { if (ev.key === 'Enter') { ev.preventDefault(); atDesk(); } });
  $('cam').addEventListener('click', camera);
  $('call').addEventListener('click', callNext);
  $('requeueBtn').addEventListener('click', requeue);
  $('repeatBtn').addEventListener('click', repeat);
  $('busySampled').addEventListener('click', sampled);
  $('busyMissed').addEventListener('click', noShow);
  $('busyRequeue').addEventListener('click', requeue);
  $('desk').addEventListener('change', function () {
    st.desk = parseInt($('desk').value, 10) || 1; st.current = null; st.busy = null;
    try { localStorage.setItem('natq.staff.desk', String(st.desk)); } catch (e) {}
    loadLine();
  });
  $('noshow').addEventListener('click', noShow);
  $('sampledBtn').addEventListener('click', sampled);
  $('rain').addEventListener('click', rain);
  $('tab-site').addEventListener('click', function () { tab('site'); });
  $('tab-cov').addEventListener('click', function () { tab('cov'); });
  $('cardgo').addEventListener('click', cards);
  N.translate();
  drawCurrent();
  // The kept token is given up only when the service says it is not
  // one: a tablet opened at 6 a.m. on a Wi-Fi not yet up keeps its sign-in
  // and tries again.
  function resume() {
    signIn(st.token).then(function (how) {
      if (how === 'ok') { notice(''); start(); return; }
      if (how !== 'away') { signOut(); return; }
      notice(t('signInAway'), true);
      $('signin').hidden = true; // nothing to type: the kept token is tried again
      setTimeout(resume, 3000);
    });
  }
  if (st.token) resume();
})();
