package queue

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the service's Prometheus instruments.
type Metrics struct {
	Bookings *prometheus.CounterVec   // by compound and result: new, repeat, party, full, ended
	CheckIns *prometheus.CounterVec   // by compound
	Refusals *prometheus.CounterVec   // by reason (error code)
	Script   *prometheus.HistogramVec // script latency, by script
	Streams  prometheus.Gauge         // event streams open on this instance
	// Forecasts are the model's runs ("run") and the reads answered with
	// a site's last forecast instead ("kept"): because the model used its
	// share of the cores or was running for other sites, or, for a
	// resident's read, because it was under ForecastFresh old (the model
	// then runs behind the answer).
	Forecasts *prometheus.CounterVec
}

// NewMetrics makes the instruments and registers them with reg (none when
// reg is nil, as tests that build many services want).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Bookings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "natq_bookings_total",
			Help: "Booking requests by compound and result (new, repeat, full)."}, []string{"compound", "result"}),
		CheckIns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "natq_checkins_total",
			Help: "Tickets checked in to a line, by compound."}, []string{"compound"}),
		Refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "natq_refusals_total",
			Help: "Requests refused, by reason."}, []string{"reason"}),
		Script: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "natq_script_seconds",
			Help:    "Latency of the Lua state-change scripts, by script.",
			Buckets: []float64{.0005, .001, .002, .005, .01, .02, .05, .1, .25, .5, 1}}, []string{"script"}),
		Streams: prometheus.NewGauge(prometheus.GaugeOpts{Name: "natq_streams_open",
			Help: "Server-sent event streams open on this instance (all on one Redis subscription)."}),
		Forecasts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "natq_forecasts_total",
			Help: "Forecast model runs (run), and reads given a site's last forecast instead (kept): the model over its share of the cores or busy, or a resident's read of a forecast under 5 s old."},
			[]string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.Bookings, m.CheckIns, m.Refusals, m.Script, m.Streams, m.Forecasts)
	}
	return m
}
