package static

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"natq/planner/errs"
	"natq/planner/planfile"
	"natq/planner/sim"
	"natq/queue"
	"natq/queue/server"
)

// The plan's simulation, for the coordinator's plan view (issue 15 part
// 2): a site's line over the day as planner/sim plays the plan, drawn by
// sim.WriteSVG. A plan is simulated once, on the first request for it
// (sim's default assumptions, 20 runs from seed 1: under a second for
// the contest compound's two variants), and kept while Plan returns the
// same file; only staff of the compound may ask, so the city cannot keep
// two cores busy with it.

// simCache keeps one simulation per plan file.
type simCache struct {
	mu    sync.Mutex
	plans map[*planfile.File]*simRun
}

type simRun struct {
	once sync.Once
	rep  *sim.Report
	err  error
	svgs sync.Map // "variant|site" -> []byte
}

func (sc *simCache) get(f *planfile.File) *simRun {
	sc.mu.Lock()
	defer sc.mu.Unlock() // one simulation at a time
	r := forPlan(&sc.plans, f, func() *simRun { return &simRun{} })
	r.once.Do(func() {
		d, err := sim.FromFile(f)
		if err != nil {
			r.err = err
			return
		}
		p := sim.DefaultParams()
		p.Runs, p.Seed = 20, 1
		r.rep, r.err = sim.Simulate(d, p, sim.WhatIfs{})
	})
	return r
}

// svg is the chart of site in variant's base scenario; nil when the plan
// has no such site there.
func (r *simRun) svg(variant, site string) ([]byte, error) {
	key := variant + "|" + site
	if b, ok := r.svgs.Load(key); ok {
		return b.([]byte), nil
	}
	for _, sc := range r.rep.Scenarios {
		if sc.Base != "" || sc.Variant != variant {
			continue
		}
		for _, s := range sc.Sites {
			if s.Site != site {
				continue
			}
			var b bytes.Buffer
			if err := sim.WriteSVG(&b, sc, s); err != nil {
				return nil, err
			}
			r.svgs.Store(key, b.Bytes())
			return b.Bytes(), nil
		}
	}
	return nil, nil
}

// mountSimChart adds GET /api/v1/compounds/:id/sim/:site.svg?variant=V
// (the staff token as a bearer token).
func mountSimChart(app *fiber.App, o Options) {
	sims := &simCache{}
	fail := func(c *fiber.Ctx, err error) error { return server.Fail(c, slog.Default(), nil, err) }
	app.Get("/api/v1/compounds/:id/sim/:file", func(c *fiber.Ctx) error {
		if o.Staff == nil {
			return fail(c, errs.New(errs.NoRoute, "没有这个地址", "no such URL"))
		}
		scheme, token, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return fail(c, queue.ErrUnauthorized)
		}
		st, err := o.Staff(c.UserContext(), strings.TrimSpace(token))
		if err != nil {
			return fail(c, err)
		}
		compound := c.Params("id")
		if st.Compound != compound {
			return fail(c, queue.ErrForbidden)
		}
		site, ok := strings.CutSuffix(c.Params("file"), ".svg")
		if !ok || site == "" {
			return fail(c, errs.Field("file", "应为 <采样点>.svg", "want <site>.svg"))
		}
		variant := c.Query("variant", "dry")
		if variant != "dry" && variant != "wet" {
			return fail(c, errs.Field("variant", "应为 dry 或 wet", "want dry or wet"))
		}
		f, ok := o.Plan(compound)
		if !ok || f == nil {
			return fail(c, errs.New(errs.NoCompound, "找不到该小区", "no such compound"))
		}
		r := sims.get(f)
		if r.err != nil {
			return fail(c, &errs.Error{Code: errs.Internal, Message: "方案无法模拟", MessageEn: "the plan cannot be simulated", Err: r.err})
		}
		b, err := r.svg(variant, site)
		if err != nil {
			return fail(c, err)
		}
		if b == nil {
			return fail(c, errs.New(errs.NoSite, "该方案没有这个采样点", "no such site in that variant"))
		}
		c.Set(fiber.HeaderContentType, "image/svg+xml; charset=utf-8")
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
		c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
		c.Set("X-Content-Type-Options", "nosniff")
		return c.Send(b)
	})
}

// StaffFunc authenticates a staff token (queue.Service.Authenticate).
type StaffFunc func(ctx context.Context, token string) (*queue.Staff, error)
