package queue

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Staff roles. Marshals check in, call, mark no-shows and samples;
// coordinators also switch weather, pre-book, cancel and read coverage.
const (
	RoleMarshal     = "marshal"
	RoleCoordinator = "coordinator"
)

// Staff is an authenticated staff member of one compound.
type Staff struct {
	Compound string `json:"compound"`
	Name     string `json:"name"`
	Role     string `json:"role"`
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// AddStaff issues a staff token for compound. The token is returned once;
// the store keeps only its SHA-256. The compound need not be loaded here,
// so that `natq staff add` works before any server runs.
func (s *Service) AddStaff(ctx context.Context, compound, name, role string) (string, error) {
	if !idRE.MatchString(compound) {
		return "", BadField("compound", "无效的小区编号", "not a compound id ([A-Za-z0-9_.-])")
	}
	name = strings.TrimSpace(name)
	if name == "" || strings.ContainsAny(name, "|\n") {
		return "", BadField("name", "缺少姓名", "missing or contains | or a newline")
	}
	if role != RoleMarshal && role != RoleCoordinator {
		return "", BadField("role", "角色应为 coordinator 或 marshal", "must be coordinator or marshal")
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := compound + "." + base64.RawURLEncoding.EncodeToString(b)
	k := keysOf(compound)
	if err := s.rdb.HSet(ctx, k.staff(), hashToken(token), role+"|"+name).Err(); err != nil {
		return "", storeErr(err)
	}
	return token, nil
}

// Authenticate returns the staff member a bearer token belongs to, or
// ErrUnauthorized.
func (s *Service) Authenticate(ctx context.Context, token string) (*Staff, error) {
	i := strings.LastIndexByte(token, '.')
	if token == "" || i <= 0 || len(token) > 200 || !idRE.MatchString(token[:i]) {
		return nil, ErrUnauthorized
	}
	compound := token[:i]
	v, err := s.rdb.HGet(ctx, keysOf(compound).staff(), hashToken(token)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrUnauthorized
	}
	if err != nil {
		return nil, storeErr(err)
	}
	role, name, _ := strings.Cut(v, "|")
	return &Staff{Compound: compound, Name: name, Role: role}, nil
}

// may reports whether st may act on compound in a role at least as high
// as role; nil st is no credential.
func may(st *Staff, compound, role string) error {
	if st == nil {
		return ErrUnauthorized
	}
	if role == RoleCoordinator && st.Role != RoleCoordinator {
		return ErrForbidden
	}
	if st.Role != RoleCoordinator && st.Role != RoleMarshal {
		return ErrForbidden
	}
	if compound != "" && st.Compound != compound {
		return ErrForbidden
	}
	return nil
}
