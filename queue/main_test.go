package queue_test

import (
	"testing"

	"natq/queue/queuetest"
)

func TestMain(m *testing.M) { queuetest.Main(m) }
