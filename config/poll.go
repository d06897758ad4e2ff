package config

import "time"

// pollReference is the fixed time UpdateEvery starts counting runs from,
// so that the same schedule always gives the same hints and feeds stay
// byte-identical from one build to the next.
var pollReference = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// pollRuns is how many scheduled runs UpdateEvery looks at: enough to span
// a week of daily runs or a day of hourly ones.
const pollRuns = 64

// UpdateEvery is the shortest gap between two scheduled builds, as written
// into the feeds' polling hints (RSS ttl and sy:updatePeriod): readers
// polling that often miss no build. Zero for a schedule that does not
// parse.
func (c *Config) UpdateEvery() time.Duration {
	sched, err := ParseSchedule(c.Schedule)
	if err != nil {
		return 0
	}
	var shortest time.Duration
	t := sched.Next(pollReference)
	for range pollRuns {
		next := sched.Next(t)
		if next.IsZero() {
			break
		}
		if gap := next.Sub(t); shortest == 0 || gap < shortest {
			shortest = gap
		}
		t = next
	}
	return shortest
}
