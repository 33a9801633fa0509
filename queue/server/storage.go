package server

import (
	"github.com/gofiber/fiber/v2"
	fiberredis "github.com/gofiber/storage/redis/v3"
	"github.com/redis/go-redis/v9"
)

// RedisStorage is a Fiber storage on the service's Redis, for the booking
// limiter, so that a limit holds across instances.
func RedisStorage(c redis.UniversalClient) fiber.Storage { return fiberredis.NewFromConnection(c) }
