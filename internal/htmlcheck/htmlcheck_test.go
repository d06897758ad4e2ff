package htmlcheck

import "testing"

// TestLiveMarkup makes sure the checks catch what they look for, under
// each policy, so that a pass in a security test means something.
func TestLiveMarkup(t *testing.T) {
	t.Parallel()
	everywhere := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror="alert(1)">`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<img srcset="https://ok.example/a.png 1x, javascript:alert(1) 2x">`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<p style="background:url(https://track.example/)">x</p>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		`<iframe src="https://ok.example/"></iframe>`,
		`<meta http-equiv="refresh" content="0;url=https://evil.example/">`,
	}
	for _, p := range []Policy{Content, Fragment, Page} {
		for _, bad := range everywhere {
			if len(LiveMarkup(bad, p)) == 0 {
				t.Errorf("policy %d passes %s", p, bad)
			}
		}
		safe := `<p>a <a href="https://ok.example/" rel="nofollow">b</a> <img src="rel.png" alt="c"> &lt;script&gt; <a href="mailto:a@example.com">m</a></p>`
		if got := LiveMarkup(safe, p); len(got) > 0 {
			t.Errorf("policy %d flags safe HTML: %v", p, got)
		}
	}
	for _, tt := range []struct {
		html                    string
		content, fragment, page bool // flagged under each policy
	}{
		{`<form action="https://ok.example/"><input name=x></form>`, true, true, false},
		{`<p style="color:red">x</p>`, true, false, false},
		{`<style>p{color:red}</style>`, true, false, false},
		{`<link rel="stylesheet" href="https://ok.example/s.css">`, true, true, false},
		{`<svg><circle r="1"/></svg>`, true, false, false},
	} {
		for p, want := range map[Policy]bool{Content: tt.content, Fragment: tt.fragment, Page: tt.page} {
			if got := len(LiveMarkup(tt.html, p)) > 0; got != want {
				t.Errorf("policy %d, %s: flagged = %v, want %v", p, tt.html, got, want)
			}
		}
	}
}

func TestSchemeAndText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://x/": "https", " JaVa\tScript:alert(1)": "javascript", "rel/path": "", "/abs:x": "", "?q=a:b": "",
	} {
		if got := Scheme(in); got != want {
			t.Errorf("Scheme(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Text(`<p>a <b>b</b> &lt;c&gt;</p>`); got != "a b <c>" {
		t.Errorf("Text = %q", got)
	}
}
