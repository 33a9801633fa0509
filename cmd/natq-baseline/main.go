// Command natq-baseline is the thinnest booking server on Redis: what natq
// is measured against. Each request is one EVALSHA of a Lua script of two
// commands on the Redis of REDIS_URL, with no validation, no signing and
// no events; natqload drives it with the same requests as natq, so the two
// answer rates measured in one run say what natq's own work costs.
//
//	REDIS_URL=redis://127.0.0.1:6379 natq-baseline --addr 127.0.0.1:8090
//
// Routes (the paths natq uses; the answers carry only what natqload reads):
//
//	POST /api/v1/compounds/{id}/bookings    INCR the ticket sequence, HSET the ticket (the body, as sent): 201 {"ticket","site"}
//	GET  /api/v1/tickets/{ticket}           HGET the ticket, ZCARD the line: 200
//	POST /api/v1/sites/{site}/checkins      ZADD to the line, HINCRBY the site's occupancy: 200
//	POST /api/v1/sites/{site}/calls         ZPOPMIN the line, HINCRBY the calls: 200 {"ticket"}, 409 when empty
//	POST /api/v1/tickets/{ticket}/sampled   HSET the sampling time, HINCRBY the occupancy down: 200
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// The scripts: two Redis commands each, the least a booking server on
// Lua can do per request. Keys share one hash tag, as natq's do.
var (
	bookScript = redis.NewScript(`local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], id, ARGV[1])
return id`)
	ticketScript  = redis.NewScript(`return {redis.call('HGET', KEYS[1], ARGV[1]), redis.call('ZCARD', KEYS[2])}`)
	checkinScript = redis.NewScript(`redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return redis.call('HINCRBY', KEYS[2], ARGV[3], 1)`)
	callScript = redis.NewScript(`local t = redis.call('ZPOPMIN', KEYS[1])
if #t == 0 then return false end
redis.call('HINCRBY', KEYS[2], t[1], 1)
return t[1]`)
	sampledScript = redis.NewScript(`redis.call('HSET', KEYS[1], ARGV[1] .. ':sa', ARGV[2])
return redis.call('HINCRBY', KEYS[2], 'base', -1)`)
)

const (
	seqKey   = "natq-baseline:{b}:seq"
	tkKey    = "natq-baseline:{b}:tk"
	lineKey  = "natq-baseline:{b}:line"
	occKey   = "natq-baseline:{b}:occ"
	callsKey = "natq-baseline:{b}:calls"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "natq-baseline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("natq-baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "listen on `HOST:PORT`")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	rawURL := getenv("REDIS_URL")
	if rawURL == "" {
		return errors.New("REDIS_URL is required: the baseline runs on the same Redis as the natq it is compared with")
	}
	// The same client settings natq takes from the same URL.
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(o)
	defer rdb.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("Redis at %s does not answer: %w", o.Addr, err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	app := newApp(rdb)
	fmt.Fprintf(stderr, "natq-baseline: listening on %s, Redis at %s\n", ln.Addr(), o.Addr)
	errc := make(chan error, 1)
	go func() { errc <- app.Listener(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return app.ShutdownWithTimeout(5 * time.Second)
	}
}

// newApp is the baseline's routes on rdb.
func newApp(rdb redis.Scripter) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true, AppName: "natq-baseline"})
	fail := func(c *fiber.Ctx, err error) error {
		return c.Status(fiber.StatusInternalServerError).JSON(fiber.Map{"error": fiber.Map{"code": "internal", "message_en": err.Error()}})
	}
	app.Post("/api/v1/compounds/:id/bookings", func(c *fiber.Ctx) error {
		id, err := bookScript.Run(c.UserContext(), rdb, []string{seqKey, tkKey}, c.Body()).Int64()
		if err != nil {
			return fail(c, err)
		}
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"ticket": strconv.FormatInt(id, 10), "site": "base"})
	})
	app.Get("/api/v1/tickets/:ticket", func(c *fiber.Ctx) error {
		v, err := ticketScript.Run(c.UserContext(), rdb, []string{tkKey, lineKey}, c.Params("ticket")).Slice()
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(fiber.Map{"ticket": c.Params("ticket"), "booking": v[0], "ahead": v[1]})
	})
	app.Post("/api/v1/sites/:site/checkins", func(c *fiber.Ctx) error {
		// The body is {"ticket":"<id>"}: taken as it is, unvalidated.
		t := c.Body()
		if len(t) > 12 {
			t = t[11 : len(t)-2]
		}
		_, err := checkinScript.Run(c.UserContext(), rdb, []string{lineKey, occKey}, t, time.Now().UnixMilli(), c.Params("site")).Result()
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(fiber.Map{"ticket": string(t), "state": "checked_in"})
	})
	app.Post("/api/v1/sites/:site/calls", func(c *fiber.Ctx) error {
		t, err := callScript.Run(c.UserContext(), rdb, []string{lineKey, callsKey}).Text()
		if errors.Is(err, redis.Nil) {
			return c.Status(fiber.StatusConflict).JSON(fiber.Map{"error": fiber.Map{"code": "line_empty"}})
		}
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(fiber.Map{"ticket": t, "state": "called"})
	})
	app.Post("/api/v1/tickets/:ticket/sampled", func(c *fiber.Ctx) error {
		_, err := sampledScript.Run(c.UserContext(), rdb, []string{tkKey, occKey}, c.Params("ticket"), time.Now().UnixMilli()).Result()
		if err != nil {
			return fail(c, err)
		}
		return c.JSON(fiber.Map{"ticket": c.Params("ticket"), "state": "sampled"})
	})
	return app
}
