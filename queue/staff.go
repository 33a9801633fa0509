package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
)

// Staff roles. Marshals check in, call, mark no-shows and samples;
// coordinators also switch weather, pre-book, cancel, read coverage and
// revoke staff tokens. A display's token (a site's TV or spare tablet,
// left on at the site all day) reads a site's line and changes nothing:
// a passer-by who picks the device up can call no one.
const (
	RoleMarshal     = "marshal"
	RoleCoordinator = "coordinator"
	RoleDisplay     = "display"
)

// Staff is an authenticated staff member of one compound.
type Staff struct {
	Compound string `json:"compound"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	// hash is set on a member from StaffOf, whose token the store has
	// not been asked about yet (no Name nor Role then): the desk's
	// changes check it in their own script (deskStaff), anything else
	// refuses it (may) unless Confirm checks it first.
	hash string
}

// StaffToken is an issued staff token as listed: never the token itself
// (the store keeps only its SHA-256), but an ID of its first 8 hex digits.
type StaffToken struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Issued  time.Time `json:"issued,omitzero"`
	Until   time.Time `json:"until,omitzero"` // zero: issued before tokens had an end
	Expired bool      `json:"expired"`
}

// ErrExpired refuses a staff token past its end.
var ErrExpired = newErr("unauthorized", "工作人员凭证已过期，请向协调员重新领取", "the staff token has expired; ask the coordinator for a new one")

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// staff record: "role|name|until ms|issued ms" (older ones "role|name").
func parseStaff(v string) (role, name string, until, issued time.Time) {
	parts := strings.Split(v, "|")
	role = parts[0]
	if len(parts) > 1 {
		name = parts[1]
	}
	if len(parts) > 3 {
		if ms, err := strconv.ParseInt(parts[2], 10, 64); err == nil && ms > 0 {
			until = time.UnixMilli(ms)
		}
		if ms, err := strconv.ParseInt(parts[3], 10, 64); err == nil && ms > 0 {
			issued = time.UnixMilli(ms)
		}
	}
	return
}

// AddStaff issues a staff token for compound that ends with the
// compound's current round (see AddStaffUntil).
func (s *Service) AddStaff(ctx context.Context, compound, name, role string) (string, error) {
	return s.AddStaffUntil(ctx, compound, name, role, time.Time{})
}

// AddStaffUntil issues a staff token for compound, valid until until; a
// zero until is the end of the compound's latest round (midnight after its
// date, in the compound's time zone), or 48 hours when no round is open
// yet. The token is returned once; the store keeps only its SHA-256. The
// compound need not be loaded here, so that `natq staff add` works before
// any server runs.
func (s *Service) AddStaffUntil(ctx context.Context, compound, name, role string, until time.Time) (string, error) {
	token, _, err := s.addStaff(ctx, compound, name, role, until)
	return token, err
}

// addStaff is AddStaffUntil, returning the token's end too (until, or the
// one it took for a zero until).
func (s *Service) addStaff(ctx context.Context, compound, name, role string, until time.Time) (string, time.Time, error) {
	fail := func(err error) (string, time.Time, error) { return "", time.Time{}, err }
	if !idRE.MatchString(compound) {
		return fail(BadField("compound", "无效的小区编号", "not a compound id ([A-Za-z0-9_.-])"))
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "|\n\r") || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
		return fail(BadField("name", "缺少姓名，或姓名超过 100 个字、含有 | 或换行", "missing, longer than 100 characters, or contains | or a newline"))
	}
	if role != RoleMarshal && role != RoleCoordinator && role != RoleDisplay {
		return fail(BadField("role", "角色应为 coordinator、marshal 或 display", "must be coordinator, marshal or display"))
	}
	now := s.now()
	withRound := false // until is the end of the compound's latest round
	if until.IsZero() {
		var err error
		if until, err = s.roundEnd(ctx, compound); err != nil {
			return fail(err)
		}
		withRound = !until.IsZero()
		if until.IsZero() {
			until = now.Add(48 * time.Hour)
		}
	}
	if !until.After(now) {
		if withRound {
			// Serving or adding staff for yesterday's plan: say so, and
			// what to do, rather than that a token cannot end in the past.
			end := until.Format("2006-01-02 15:04 MST")
			return fail(BadField("round", "小区 "+compound+" 最近一轮检测已于 "+end+" 结束，随它结束的员工令牌已过期：请为新的一天生成方案（natq plan --date）再加载；natq staff add --until 可发放更久的令牌",
				"compound "+compound+"'s latest round ended at "+end+", so a staff token that ends with it is already expired: plan the new day (natq plan --date) and load that; natq staff add --until gives a token past a round"))
		}
		return fail(BadField("until", "有效期已过", "the token would end before it is issued"))
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return fail(err)
	}
	token := compound + "." + base64.RawURLEncoding.EncodeToString(b)
	k := keysOf(compound)
	rec := role + "|" + name + "|" + strconv.FormatInt(until.UnixMilli(), 10) + "|" + strconv.FormatInt(now.UnixMilli(), 10)
	if err := s.rdb.HSet(ctx, k.staff(), hashToken(token), rec).Err(); err != nil {
		return fail(storeErr(err))
	}
	return token, until, nil
}

// roundEnd is the end of the compound's latest round: midnight after its
// date in the compound's time zone; zero when no round is open.
func (s *Service) roundEnd(ctx context.Context, compound string) (time.Time, error) {
	round, loc, err := s.latestRound(ctx, compound)
	if err != nil || round == "" {
		return time.Time{}, err
	}
	day, err := time.ParseInLocation("2006-01-02", round, loc)
	if err != nil {
		return time.Time{}, nil
	}
	return day.AddDate(0, 0, 1), nil
}

// LatestRound is the latest round the store has of compound ("" for
// none): natq staff add warns of a token for a compound the store has
// never seen, most likely a mistyped id.
func (s *Service) LatestRound(ctx context.Context, compound string) (string, error) {
	r, _, err := s.latestRound(ctx, compound)
	return r, err
}

// latestRound is the compound's latest round and its time zone (the
// loaded plan's, or the one the round was opened with; UTC when unknown).
func (s *Service) latestRound(ctx context.Context, compound string) (string, *time.Location, error) {
	k := keysOf(compound)
	rs, err := s.rdb.ZRevRange(ctx, k.rounds(), 0, 0).Result()
	if err != nil {
		return "", nil, storeErr(err)
	}
	if len(rs) == 0 {
		return "", time.UTC, nil
	}
	loc := time.UTC
	if p, err := s.current(compound); err == nil && p.Date == rs[0] && p.TZ != nil {
		loc = p.TZ
	} else if tz, err := s.rdb.HGet(ctx, k.r(rs[0], "state"), "tz").Result(); err == nil {
		if l, err := time.LoadLocation(tz); err == nil {
			loc = l
		}
	}
	return rs[0], loc, nil
}

// Authenticate returns the staff member a bearer token belongs to, or
// ErrUnauthorized (ErrExpired past its end). The store is asked on every
// request, so a revocation holds on every instance at once.
func (s *Service) Authenticate(ctx context.Context, token string) (*Staff, error) {
	st, err := s.StaffOf(token)
	if err != nil {
		return nil, err
	}
	return s.Confirm(ctx, st)
}

// StaffOf returns the staff member a bearer token names without asking
// the store: its compound, the token unchecked. A desk change (CheckIn,
// CallNext, Sampled) checks it in its own script, in the same step as
// the change, so that a revoked or expired token is refused there on
// every instance at once, as Authenticate would, in one round trip
// instead of two; a refusal found before the script asks the store
// first (StaffFirst), so that such a token is told only that. Any other
// use of it is refused unless Confirm checks it first. ErrUnauthorized
// for what cannot be a token.
func (s *Service) StaffOf(token string) (*Staff, error) {
	i := strings.LastIndexByte(token, '.')
	if h, ok := s.tokens.get(token); ok {
		return &Staff{Compound: token[:i], hash: h}, nil
	}
	if token == "" || i <= 0 || len(token) > 200 || !idRE.MatchString(token[:i]) {
		return nil, ErrUnauthorized
	}
	h := hashToken(token)
	s.tokens.put(token, h)
	return &Staff{Compound: token[:i], hash: h}, nil
}

// tokenHashes remembers the hashes of the well-formed staff tokens StaffOf
// saw lately, valid or not (the store checks them; a desk's tablet sends
// its own on every request all day, and the hash is a third of StaffOf's
// cost): up to maxTokenHashes, then all forgotten at once, so that tokens
// made up by the thousand hold no more memory than that.
type tokenHashes struct {
	mu sync.Mutex
	m  map[string]string
}

const maxTokenHashes = 4096

func (t *tokenHashes) get(token string) (string, bool) {
	t.mu.Lock()
	h, ok := t.m[token]
	t.mu.Unlock()
	return h, ok
}

func (t *tokenHashes) put(token, hash string) {
	t.mu.Lock()
	if t.m == nil || len(t.m) >= maxTokenHashes {
		t.m = make(map[string]string)
	}
	t.m[token] = hash
	t.mu.Unlock()
}

// Confirm checks a staff member from StaffOf with the store and returns
// who it is (ErrUnauthorized, ErrExpired); a member checked before is
// returned as it is.
func (s *Service) Confirm(ctx context.Context, st *Staff) (*Staff, error) {
	if st == nil || st.hash == "" {
		return st, nil
	}
	v, err := s.rdb.HGet(ctx, keysOf(st.Compound).staff(), st.hash).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, storeErr(err)
	}
	role, name, until, _ := parseStaff(v)
	if !until.IsZero() && !s.now().Before(until) {
		return nil, ErrExpired
	}
	return &Staff{Compound: st.Compound, Name: name, Role: role}, nil
}

// deskStaff is what a desk change's script needs to check its staff
// member at the marshal's level in the compound's staff hash (staff_check
// in prelude.lua; the hash is the last of the script's keys, the plan's
// checkinKeys ...): the token's hash, "" when st was checked before
// (Authenticate), whose role is checked here.
func (s *Service) deskStaff(st *Staff) (hash string, err error) {
	if st != nil && st.hash != "" {
		return st.hash, nil
	}
	if err := may(st, "", RoleMarshal); err != nil {
		return "", err
	}
	return "", nil
}

// StaffFirst is err, a refusal found before a desk change's script (by
// the service, or by the HTTP layer reading its body), unless st is
// unchecked (StaffOf) and the store refuses its token or its role: then
// that refusal, as when the token was checked before anything else.
func (s *Service) StaffFirst(ctx context.Context, st *Staff, err error) error {
	if st == nil || st.hash == "" {
		return err
	}
	c, aerr := s.Confirm(ctx, st)
	if aerr != nil {
		return aerr
	}
	if merr := may(c, "", RoleMarshal); merr != nil {
		return merr
	}
	return err
}

// ListStaff lists a compound's staff tokens, by name, for a coordinator
// (nil st: the command line, which holds the store itself).
func (s *Service) ListStaff(ctx context.Context, st *Staff, compound string) ([]StaffToken, error) {
	if st != nil {
		if err := may(st, compound, RoleCoordinator); err != nil {
			return nil, err
		}
	}
	all, err := s.rdb.HGetAll(ctx, keysOf(compound).staff()).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	_, loc, err := s.latestRound(ctx, compound)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]StaffToken, 0, len(all))
	for h, v := range all {
		role, name, until, issued := parseStaff(v)
		if !until.IsZero() {
			until = until.In(loc)
		}
		if !issued.IsZero() {
			issued = issued.In(loc)
		}
		out = append(out, StaffToken{ID: h[:8], Name: name, Role: role, Issued: issued, Until: until,
			Expired: !until.IsZero() && !now.Before(until)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// RevokeStaff revokes every token of a compound issued to name, or the one
// token whose ID (from ListStaff) it is, and returns how many; it takes
// effect on every instance with the next request. ErrNotFound when none
// matched.
func (s *Service) RevokeStaff(ctx context.Context, st *Staff, compound, name string) (int, error) {
	if st != nil {
		if err := may(st, compound, RoleCoordinator); err != nil {
			return 0, err
		}
	}
	name = strings.TrimSpace(name)
	k := keysOf(compound)
	all, err := s.rdb.HGetAll(ctx, k.staff()).Result()
	if err != nil {
		return 0, storeErr(err)
	}
	var fields []string
	for h, v := range all {
		if _, n, _, _ := parseStaff(v); n == name || (len(name) >= 8 && strings.HasPrefix(h, strings.ToLower(name))) {
			fields = append(fields, h)
		}
	}
	if len(fields) == 0 {
		return 0, withDetail(newErr("not_found", "找不到该工作人员", "no staff token of that name or id"),
			"："+name, ": "+name)
	}
	if err := s.rdb.HDel(ctx, k.staff(), fields...).Err(); err != nil {
		return 0, storeErr(err)
	}
	return len(fields), nil
}

// may reports whether st may act on compound in a role at least as high
// as role; nil st is no credential, nor is one unchecked (StaffOf).
func may(st *Staff, compound, role string) error {
	if st == nil || st.hash != "" {
		return ErrUnauthorized
	}
	if role == RoleCoordinator && st.Role != RoleCoordinator {
		return ErrForbidden
	}
	switch st.Role {
	case RoleCoordinator, RoleMarshal:
	case RoleDisplay: // reads (role RoleDisplay asked) and does nothing else
		if role != RoleDisplay {
			return ErrForbidden
		}
	default:
		return ErrForbidden
	}
	if compound != "" && st.Compound != compound {
		return ErrForbidden
	}
	return nil
}

// DisplayToken is a site display's token as issued (AddDisplay): shown
// once, as the display's link and its QR code.
type DisplayToken struct {
	Token string    `json:"token"`
	Name  string    `json:"name"`
	Site  string    `json:"site"`
	Until time.Time `json:"until"`
	// URL is the display's page with the token after "#t=": a fragment,
	// which the browser sends to no server and keeps out of Referer.
	URL string `json:"url"`
}

// maxDisplays is how many unexpired display tokens one site may have:
// a marshal may issue them, and a token cannot be taken back by
// forgetting it; beyond, the ones no longer used are revoked first.
const maxDisplays = 6

// AddDisplay issues a display token for site (RoleDisplay, named
// "叫号屏 <site>", ending with the round), for a marshal or coordinator
// setting up the site's TV or spare tablet: it scans the link's QR code
// instead of having a staff token typed into it. ErrTooManyDisplays
// when the site has maxDisplays already.
func (s *Service) AddDisplay(ctx context.Context, st *Staff, site string) (*DisplayToken, error) {
	if err := may(st, "", RoleMarshal); err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, err
	}
	name := displayName(p, site)
	if err := s.displayRoom(ctx, p.Compound.ID, name); err != nil {
		return nil, err
	}
	return s.issueDisplay(ctx, p, site, name)
}

// displayPrefix begins the name of a site's display tokens (displayName).
const displayPrefix = "叫号屏 "

// displayName is the name of site's display tokens: "叫号屏 <site>
// <its name>".
func displayName(p *Plan, site string) string {
	name := displayPrefix + site
	if n := p.siteName(site); n != "" {
		name += " " + n
	}
	return name
}

// displaySite is the site a display token was issued for (displayName:
// AddDisplay and pairing), which alone it reads; "" for any
// other member, and for a display named otherwise (natq staff add
// --role display --name ...: a screen for the whole compound).
func displaySite(st *Staff) string {
	if st == nil || st.Role != RoleDisplay {
		return ""
	}
	rest, ok := strings.CutPrefix(st.Name, displayPrefix)
	if !ok {
		return ""
	}
	site, _, _ := strings.Cut(rest, " ")
	return site
}

// displayRoom is ErrTooManyDisplays when compound has maxDisplays live
// tokens of the display name already.
func (s *Service) displayRoom(ctx context.Context, compound, name string) error {
	all, err := s.rdb.HVals(ctx, keysOf(compound).staff()).Result()
	if err != nil {
		return storeErr(err)
	}
	live, now := 0, s.now()
	for _, v := range all {
		role, who, until, _ := parseStaff(v)
		if role == RoleDisplay && who == name && (until.IsZero() || now.Before(until)) {
			live++
		}
	}
	if live >= maxDisplays {
		return withDetail(ErrTooManyDisplays, fmt.Sprintf("（%s：%d 个）", name, live), fmt.Sprintf(" (%s: %d)", name, live))
	}
	return nil
}

// issueDisplay issues site's display a token named name, ending with the
// round, and its link.
func (s *Service) issueDisplay(ctx context.Context, p *Plan, site, name string) (*DisplayToken, error) {
	c := p.Compound.ID
	token, until, err := s.addStaff(ctx, c, name, RoleDisplay, time.Time{})
	if err != nil {
		return nil, err
	}
	return &DisplayToken{Token: token, Name: name, Site: site, Until: until.In(p.TZ), // as the compound's clocks read
		URL: s.opts.BaseURL + "/display/" + url.PathEscape(c) + "/" + url.PathEscape(site) + "#t=" + url.QueryEscape(token)}, nil
}
