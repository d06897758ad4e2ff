package pgsnap

import (
	"container/list"
	"sync"

	"github.com/feedpub/feedpub/feed/httpfeed"
)

// bodyCache keeps the bodies fetched on demand, least recently used first
// out, within a bound on their bytes, so that a replica's memory does not
// grow with the archive.
type bodyCache struct {
	mu    sync.Mutex
	max   int64
	bytes int64
	order *list.List // of *cached, most recently used at the front
	bySum map[httpfeed.Sum]*list.Element
}

type cached struct {
	sum  httpfeed.Sum
	body []byte
}

func newBodyCache(maxBytes int64) *bodyCache {
	return &bodyCache{max: maxBytes, order: list.New(), bySum: map[httpfeed.Sum]*list.Element{}}
}

func (c *bodyCache) get(sum httpfeed.Sum) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.bySum[sum]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*cached).body, true
}

// put keeps body unless it alone is larger than the bound, dropping the
// least recently used bodies to make room.
func (c *bodyCache) put(sum httpfeed.Sum, body []byte) {
	if int64(len(body)) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.bySum[sum]; ok {
		return
	}
	c.bySum[sum] = c.order.PushFront(&cached{sum: sum, body: body})
	c.bytes += int64(len(body))
	for c.bytes > c.max {
		last := c.order.Back()
		old := last.Value.(*cached)
		c.order.Remove(last)
		delete(c.bySum, old.sum)
		c.bytes -= int64(len(old.body))
	}
}

// size returns the bytes and bodies held.
func (c *bodyCache) size() (bytes int64, bodies int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes, len(c.bySum)
}
