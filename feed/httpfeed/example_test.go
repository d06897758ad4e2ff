package httpfeed_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/httpfeed"
)

// A program embeds the handler, swaps in each successful build and mounts
// it wherever it likes, here under /feeds/.
func Example() {
	h := httpfeed.New(httpfeed.Options{SiteTitle: "Example feeds"})

	built := time.Date(2024, 5, 6, 7, 10, 0, 0, time.UTC)
	snap, err := httpfeed.NewSnapshot([]feed.Document{{
		Feed:     "news",
		Title:    "News",
		Format:   feed.JSON,
		Body:     []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"News","items":[]}`),
		Modified: built,
		SelfURL:  "https://example.org/feeds/news.json",
	}}, built)
	if err != nil {
		fmt.Println(err)
		return
	}
	h.Swap(snap)

	mux := http.NewServeMux()
	mux.Handle("/feeds/", http.StripPrefix("/feeds", h))

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/feeds/news.json", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Header().Get("Last-Modified"))
	// Output: 200 application/feed+json; charset=utf-8 Mon, 06 May 2024 07:10:00 GMT
}
