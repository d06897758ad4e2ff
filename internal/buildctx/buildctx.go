// Package buildctx marks the context of one build, so that work a source
// did while the build checked for changes (listing and stating its files)
// is reused by the same build's read, and never by a later one.
package buildctx

import "context"

type key struct{}

// Token identifies one build; only its address matters.
type Token struct{ _ byte }

// New returns ctx marked as a new build.
func New(ctx context.Context) context.Context {
	return context.WithValue(ctx, key{}, new(Token))
}

// From returns the token of the build ctx belongs to, or nil outside one.
func From(ctx context.Context) *Token {
	t, _ := ctx.Value(key{}).(*Token)
	return t
}
