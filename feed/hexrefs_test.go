package feed

import "testing"

func TestHexRefs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`<t a="x &amp; y">a &lt; b &amp;&amp; c &gt; d</t>`, `<t a="x &#x26; y">a &#x3C; b &#x26;&#x26; c &gt; d</t>`},
		{`<c><![CDATA[&lt;p&gt; &amp;]]></c>`, `<c><![CDATA[&lt;p&gt; &amp;]]></c>`},
		{`<c><![CDATA[a]]]]><![CDATA[>&amp;]]>&amp;</c>`, `<c><![CDATA[a]]]]><![CDATA[>&amp;]]>&#x26;</c>`},
		{`<!-- &amp; --><t>&quot;&#xA;&lt;</t>`, `<!-- &amp; --><t>&quot;&#xA;&#x3C;</t>`},
		{`<c><![CDATA[never closed &amp;`, `<c><![CDATA[never closed &amp;`},
		{`&`, `&`},
	}
	for _, tt := range tests {
		if got := string(hexRefs([]byte(tt.in))); got != tt.want {
			t.Errorf("hexRefs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
