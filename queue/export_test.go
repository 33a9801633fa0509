package queue

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// OverdrawForecastBudget puts s's forecast model over its share of the
// cores until RefillForecastBudget: the budget's clock stands still, so
// nothing fills it again.
func OverdrawForecastBudget(s *Service) {
	b := s.fb
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.now()
	b.now, b.at, b.have = func() time.Time { return t }, t, -1
}

// RefillForecastBudget gives s's forecast model its whole budget back, on
// the machine's clock again.
func RefillForecastBudget(s *Service) {
	b := s.fb
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now, b.at, b.have = time.Now, time.Now(), b.max
}

// HoldModelRuns takes every core the forecast model may use at once, as
// runs for other sites would, until the function it returns is called.
func HoldModelRuns(s *Service) (release func()) {
	for range cap(s.models) {
		s.models <- struct{}{}
	}
	return func() {
		for range cap(s.models) {
			<-s.models
		}
	}
}

// ForecastCounts are s's Metrics.Forecasts: the model's runs, and the
// reads given a kept forecast instead (over the budget, or the model
// busy).
func ForecastCounts(s *Service) (run, kept float64) {
	return count(s.forecastRun), count(s.forecastKept)
}

func count(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
