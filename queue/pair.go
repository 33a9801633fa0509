package queue

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"natq/planner/errs"
)

// Pairing a site's display that has no camera (a TV, a monitor on a
// stick PC): the display's page, opened at its site's address without a
// token, asks for a pairing (StartPairing) and shows its six-digit code
// in large type; a marshal types that code on the desk's tablet
// (PairDisplay), which approves it for a site; the display's next poll
// (PollPairing, with the secret only it was given) takes a display
// token of its own, as a scanned QR code would have given it. Nobody
// types a 40-character token with a remote, and the display never holds
// more than a display's power.
//
// The code alone gives nothing: only staff approve a code, and only the
// display that asked for it holds the secret that collects its token.
// The store holds the secret's SHA-256, never a token: the token is
// issued as the display collects it. Every record carries its end, read
// against the service's clock, so that a pairing ends on time on a store
// whose TTLs do not run by themselves (the embedded store); the TTLs only
// tidy up.
const (
	// pairingFor is how long a code may be typed in.
	pairingFor = 10 * time.Minute
	// pairingPickup is how long after a code's end an approved pairing
	// may still be collected: a display polls every few seconds.
	pairingPickup = 2 * time.Minute
	// maxPairings and maxPairingsPerAddress bound the pairings a
	// compound holds at once, and those from one client address: anyone
	// may ask for one, and a display asks again only when its code ends.
	maxPairings           = 64
	maxPairingsPerAddress = 8
)

// Pairing is a display's request to be paired, as StartPairing gives it:
// the code it shows, and the secret it polls with (PollPairing).
type Pairing struct {
	Code    string    `json:"code"`
	Secret  string    `json:"secret"`
	Site    string    `json:"site"`
	Expires time.Time `json:"expires"`
}

// PairingState is what a display's poll finds: "waiting" until a marshal
// types its code, then "paired" once, with the display's token.
type PairingState struct {
	State   string        `json:"state"`
	Expires time.Time     `json:"expires,omitzero"` // while waiting
	Display *DisplayToken `json:"display,omitempty"`
}

// PairedDisplay is a marshal's answer for a code typed in: which display
// it named, for the tablet to say. A screen opened at another site's
// address (any spare screen may be paired for any site: the marshal
// chooses) names that site in ScreenSite and ScreenSiteName, so that the
// tablet says the screen now shows this site's calls, and a code read off
// the wrong screen is seen at once.
type PairedDisplay struct {
	Name           string `json:"name"`
	Site           string `json:"site"`
	ScreenSite     string `json:"screen_site,omitempty"`
	ScreenSiteName string `json:"screen_site_name,omitempty"`
}

// The pairing's errors.
var (
	ErrTooManyPairings = newErr(errs.RateLimited, "配对请求过多，请几分钟后再试，或用平板上的“叫号屏二维码”扫码",
		"too many pairings asked for; try again in a few minutes, or scan the tablet's call screen QR code")
	ErrNoPairing = newErr(errs.NotFound, "找不到这个配对码：请核对叫号屏上现在显示的 6 位数字（配对码 10 分钟内有效）",
		"no such pairing code: check the 6 digits the call screen shows now (a code lasts 10 minutes)")
	ErrPairingEnded = newErr(errs.NotFound, "配对码已过期，屏幕会显示新的配对码", "the pairing code has ended; the screen shows a new one")
)

// The pairing's keys, under the compound's hash tag: a code's record
// ("<secret hash>|<end ms>"), a pairing's hash (end, site, the member of
// pairings; once approved the site approved and the display's name), and
// the compound's live pairings (a zset of "<address field>:<secret
// hash>" by end).
func (k ckeys) pairCode(code string) string { return k.p + ":pc:" + code }
func (k ckeys) pairing(sh string) string    { return k.p + ":pr:" + sh }
func (k ckeys) pairings() string            { return k.p + ":prs" }

// startPairing: KEYS pairings, the code's key, the pairing's key; ARGV
// now ms, end ms, the zset member, the address's prefix in it, the two
// limits, the secret's hash, the site, the keys' TTL ms. BUSY or
// BUSY_ADDR past a limit, TAKEN when the code is in use, else OK.
var startPairing = redis.NewScript(`
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local all = redis.call('ZRANGE', KEYS[1], 0, -1)
if #all >= tonumber(ARGV[5]) then return 'BUSY' end
local mine, p = 0, ARGV[4]
for _, m in ipairs(all) do
  if string.sub(m, 1, #p) == p then mine = mine + 1 end
end
if mine >= tonumber(ARGV[6]) then return 'BUSY_ADDR' end
local old = redis.call('GET', KEYS[2])
if old and tonumber(string.match(old, '|(%d+)$') or '0') > now then return 'TAKEN' end
redis.call('SET', KEYS[2], ARGV[7] .. '|' .. ARGV[2], 'PX', ARGV[9])
redis.call('HSET', KEYS[3], 'exp', ARGV[2], 'site', ARGV[8], 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[9])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[9])
return 'OK'
`)

// approvePairing: KEYS the code's key; ARGV now ms, the pairings' key
// prefix ("natq:{c}:pr:"), the site, the display's name. The code is used
// up: {1, the site the screen was opened at}, or {0} when no live pairing
// has it.
var approvePairing = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return {0} end
local sh, e = string.match(v, '^([^|]*)|(%d+)$')
if not sh or tonumber(e) <= tonumber(ARGV[1]) then return {0} end
local pr = ARGV[2] .. sh
local asked = redis.call('HGET', pr, 'site')
if not asked then return {0} end
redis.call('HSET', pr, 'ok', ARGV[3], 'name', ARGV[4])
redis.call('DEL', KEYS[1])
return {1, asked}
`)

// pollPairing: KEYS the pairing's key, pairings; ARGV now ms, the pickup
// ms after the end. {"waiting", end}, {"paired", site, name} once (the
// pairing is gone then), or false when it has ended.
var pollPairing = redis.NewScript(`
local f = redis.call('HMGET', KEYS[1], 'exp', 'ok', 'name', 'm')
if not f[1] then return false end
local now, e = tonumber(ARGV[1]), tonumber(f[1])
if f[2] then
  redis.call('DEL', KEYS[1])
  if f[4] then redis.call('ZREM', KEYS[2], f[4]) end
  if e + tonumber(ARGV[2]) <= now then return false end
  return {'paired', f[2], f[3]}
end
if e <= now then return false end
return {'waiting', f[1]}
`)

// publicSite is the plan and site a display's address names: "compound~site",
// or a site id that one loaded compound has.
func (s *Service) publicSite(site string) (*Plan, string, error) {
	if c, x, ok := strings.Cut(site, "~"); ok {
		if p, err := s.current(c); err == nil && p.hasSite(x) {
			return p, x, nil
		}
		return nil, "", ErrNoSite
	}
	var found *Plan
	for _, c := range s.CompoundIDs() {
		if p, err := s.current(c); err == nil && p.hasSite(site) {
			if found != nil {
				return nil, "", ErrNoSite // two compounds have it: the address must say which
			}
			found = p
		}
	}
	if found == nil {
		return nil, "", ErrNoSite
	}
	return found, site, nil
}

// StartPairing gives the display of site (its page's address, with no
// token) a code to show and the secret to poll with. addr is the client's
// address: one address holds at most maxPairingsPerAddress at once.
func (s *Service) StartPairing(ctx context.Context, site, addr string) (*Pairing, error) {
	p, site, err := s.publicSite(site)
	if err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	sh := hashToken(secret)
	now := s.now()
	end := now.Add(pairingFor).Truncate(time.Millisecond) // as the store keeps it
	field := budgetField(addr)
	ttl := strconv.FormatInt((pairingFor + pairingPickup).Milliseconds(), 10)
	for range 8 {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return nil, err
		}
		code := fmt.Sprintf("%06d", n.Int64())
		r, err := startPairing.Run(ctx, s.rdb, []string{k.pairings(), k.pairCode(code), k.pairing(sh)},
			now.UnixMilli(), end.UnixMilli(), field+":"+sh, field+":", maxPairings, maxPairingsPerAddress, sh, site, ttl).Text()
		if err != nil {
			return nil, storeErr(err)
		}
		switch r {
		case "OK":
			return &Pairing{Code: code, Secret: secret, Site: site, Expires: end.In(p.TZ)}, nil
		case "BUSY", "BUSY_ADDR":
			return nil, ErrTooManyPairings
		}
	}
	return nil, ErrTooManyPairings // eight codes in a row in use: the compound is full of them
}

// PollPairing is what became of the pairing whose secret a display
// holds: still waiting, or paired (once: the display's token is issued
// now, and the pairing is gone); ErrPairingEnded when its code ended
// untyped, or it was collected.
func (s *Service) PollPairing(ctx context.Context, site, secret string) (*PairingState, error) {
	p, _, err := s.publicSite(site)
	if err != nil {
		return nil, err
	}
	if secret == "" || len(secret) > 100 {
		return nil, BadField("secret", "缺少配对凭据", "missing or too long")
	}
	c := p.Compound.ID
	k := keysOf(c)
	now := s.now()
	v, err := pollPairing.Run(ctx, s.rdb, []string{k.pairing(hashToken(secret)), k.pairings()},
		now.UnixMilli(), pairingPickup.Milliseconds()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return nil, ErrPairingEnded
	}
	if err != nil {
		return nil, storeErr(err)
	}
	if len(v) == 2 && v[0] == "waiting" {
		ms, _ := strconv.ParseInt(v[1], 10, 64)
		return &PairingState{State: "waiting", Expires: time.UnixMilli(ms).In(p.TZ)}, nil
	}
	if len(v) != 3 || v[0] != "paired" {
		return nil, fmt.Errorf("queue: a pairing's poll answered %q", v)
	}
	d, err := s.issueDisplay(ctx, p, v[1], v[2])
	if err != nil {
		return nil, err
	}
	return &PairingState{State: "paired", Display: d}, nil
}

// PairDisplay approves, for a marshal or coordinator, the display whose
// screen shows code, as site's display: the display collects its token
// with its next poll. The code may be typed with spaces or dashes.
// ErrNoPairing for a code no display of the marshal's compound shows now,
// ErrTooManyDisplays as AddDisplay.
func (s *Service) PairDisplay(ctx context.Context, st *Staff, site, code string) (*PairedDisplay, error) {
	if err := may(st, "", RoleMarshal); err != nil {
		return nil, err
	}
	p, site, err := s.siteOf(st, site)
	if err != nil {
		return nil, err
	}
	code = strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r >= '０' && r <= '９': // a Chinese keyboard's full-width digits
			return '0' + r - '０'
		case r == ' ' || r == '-' || r == '　':
			return -1
		}
		return 'x'
	}, code)
	if len(code) != 6 || strings.Contains(code, "x") {
		return nil, BadField("code", "配对码是叫号屏上显示的 6 位数字", "a pairing code is the 6 digits the call screen shows")
	}
	name := displayName(p, site)
	if err := s.displayRoom(ctx, p.Compound.ID, name); err != nil {
		return nil, err
	}
	k := keysOf(p.Compound.ID)
	v, err := approvePairing.Run(ctx, s.rdb, []string{k.pairCode(code)}, s.now().UnixMilli(), k.pairing(""), site, name).Slice()
	if err != nil {
		return nil, storeErr(err)
	}
	if len(v) != 2 || v[0] != int64(1) {
		return nil, withDetail(ErrNoPairing, "（"+code+"）", " ("+code+")")
	}
	d := &PairedDisplay{Name: name, Site: site}
	if asked, _ := v[1].(string); asked != site {
		d.ScreenSite, d.ScreenSiteName = asked, p.siteName(asked)
	}
	return d, nil
}
