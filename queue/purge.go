package queue

import (
	"context"
	"fmt"
	"strings"
)

// Purged is what PurgeRound deleted.
type Purged struct {
	Compound string `json:"compound"`
	Round    string `json:"round"`
	Tickets  int    `json:"tickets"` // tickets whose fields were deleted
	Keys     int    `json:"keys"`    // the round's keys deleted (households, order, line, tubes)
}

// PurgeRound deletes a finished round's personal data: its tickets
// (households' building, unit and room, party, times, tubes), its
// household index, booking order, line and tubes. What stays is the
// round's state (variant, when opened) and each window's counts of
// people, which name nobody; the round's tickets are then unknown (404)
// and coverage has no figures for it. A round is finished when it is not
// the compound's latest, or its day has ended.
func (s *Service) PurgeRound(ctx context.Context, compound, round string) (*Purged, error) {
	k := keysOf(compound)
	rounds, err := s.rdb.ZRange(ctx, k.rounds(), 0, -1).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	found := false
	for _, r := range rounds {
		found = found || r == round
	}
	if !found {
		have, haveZh := "rounds: "+strings.Join(rounds, ", "), "现有："+strings.Join(rounds, "、")
		if len(rounds) == 0 {
			have, haveZh = "it has none in this store: is REDIS_URL the one natq serve uses?", "这个库里没有它的任何一轮：REDIS_URL 是 natq serve 用的那个吗？"
		}
		return nil, BadField("date", fmt.Sprintf("小区 %s 没有 %s 这一轮（%s）", compound, round, haveZh),
			fmt.Sprintf("compound %s has no round %s (%s)", compound, round, have))
	}
	if rounds[len(rounds)-1] == round {
		end, err := s.roundEnd(ctx, compound)
		if err != nil {
			return nil, err
		}
		if s.now().Before(end) {
			return nil, BadField("date", "该轮检测尚未结束，不能删除", fmt.Sprintf("the round %s is still running (it ends %s)", round, end.Format("2006-01-02 15:04 MST")))
		}
	}
	ids, _, err := s.roundTickets(ctx, k, round)
	if err != nil {
		return nil, err
	}
	// Each ticket is a hash of its own: delete the round's, in batches.
	for i := 0; i < len(ids); i += 1000 {
		batch := make([]string, 0, 1000)
		for _, id := range ids[i:min(i+1000, len(ids))] {
			batch = append(batch, k.ticket(id))
		}
		if err := s.rdb.Del(ctx, batch...).Err(); err != nil {
			return nil, storeErr(err)
		}
	}
	if err := s.purgeLegacy(ctx, k, ids); err != nil {
		return nil, err
	}
	tubes, err := s.rdb.HKeys(ctx, k.r(round, "tubes")).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	keys := []string{k.r(round, "hh"), k.r(round, "order"), k.r(round, "line"), k.r(round, "ppl"), k.r(round, "occ"), k.r(round, "tubes")}
	for _, t := range tubes {
		keys = append(keys, k.r(round, "tube:"+t))
	}
	n, err := s.rdb.Del(ctx, keys...).Result()
	if err != nil {
		return nil, storeErr(err)
	}
	if err := s.rdb.HSet(ctx, k.r(round, "state"), "purged", s.now().UnixMilli()).Err(); err != nil {
		return nil, storeErr(err)
	}
	return &Purged{Compound: compound, Round: round, Tickets: len(ids), Keys: int(n)}, nil
}

// purgeLegacy deletes a round's tickets from the one hash an older natq
// kept every ticket's fields in ("<id>:<field>", natq:{c}:tk), so that a
// round of that layout, which this natq refuses to serve, can still be
// purged.
func (s *Service) purgeLegacy(ctx context.Context, k ckeys, ids []string) error {
	if n, err := s.rdb.Exists(ctx, k.legacyTk()).Result(); err != nil || n == 0 {
		return storeErr(err)
	}
	mine := make(map[string]bool, len(ids))
	for _, id := range ids {
		mine[id] = true
	}
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := s.rdb.HDel(ctx, k.legacyTk(), batch...).Err()
		batch = batch[:0]
		return storeErr(err)
	}
	var cursor uint64
	for {
		fields, next, err := s.rdb.HScan(ctx, k.legacyTk(), cursor, "", 1000).Result()
		if err != nil {
			return storeErr(err)
		}
		for i := 0; i < len(fields); i += 2 {
			id, _, _ := strings.Cut(fields[i], ":")
			if mine[id] {
				batch = append(batch, fields[i])
			}
		}
		if len(batch) >= 1000 {
			if err := flush(); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return flush()
}
