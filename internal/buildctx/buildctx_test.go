package buildctx

import (
	"context"
	"testing"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	if From(context.Background()) != nil {
		t.Error("a context outside a build has a token")
	}
	a, b := New(context.Background()), New(context.Background())
	if first, again := From(a), From(a); first == nil || first != again {
		t.Error("a build's token is not stable")
	}
	if From(a) == From(b) {
		t.Error("two builds share a token")
	}
	child, cancel := context.WithCancel(a)
	defer cancel()
	if From(child) != From(a) {
		t.Error("a derived context lost its build's token")
	}
}
