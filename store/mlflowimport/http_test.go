package mlflowimport

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lathe-ml/lathe/store"
	"github.com/lathe-ml/lathe/store/mlflowapi"
)

// serveFixture imports the file-store fixture into a store and serves it
// with lathe's own MLflow API server, on loopback, behind a token.
func serveFixture(t *testing.T) (*store.Store, *httptest.Server) {
	t.Helper()
	src := openStore(t)
	if sum := mustImport(t, src, fixture("mlruns"), Options{}); len(sum.Errors) > 0 {
		t.Fatal(sum.Errors)
	}
	srv := httptest.NewServer(mlflowapi.New(src, mlflowapi.Options{Token: "s3cret"}))
	t.Cleanup(srv.Close)
	return src, srv
}

func TestImportFromServer(t *testing.T) {
	src, srv := serveFixture(t)
	ctx := context.Background()
	if _, err := Import(ctx, openStore(t), srv.URL, Options{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("without the token: %v, want HTTP 401", err)
	}

	// Small pages, so that runs/search and get-history page.
	dst := openStore(t)
	hs, err := openHTTP(ctx, srv.URL+"/", Options{Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	hs.runPage, hs.historyPage = 2, 3
	sum, err := importFrom(ctx, dst, hs, Options{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Errors) > 0 {
		t.Fatalf("errors: %v", sum.Errors)
	}
	if sum.Runs.Imported != 6 || sum.MetricPoints.Imported != 45 || sum.Artifacts.Imported != 5 || sum.Models.Imported != 1 {
		t.Errorf("summary = %+v", sum)
	}
	compareDumps(t, dumpStore(t, src), dumpStore(t, dst))
	mv, err := dst.GetModelVersionByAlias(ctx, "churn-model", "champion")
	if err != nil || mv.Version != 2 || mv.Source != "runs:/"+runGBM+"/model" {
		t.Errorf("champion = %+v, %v", mv, err)
	}
	if e, err := dst.GetExperiment(ctx, 1); err != nil || e.Name != longName || e.Tags["team"] != "growth" {
		t.Errorf("experiment 1 = %+v, %v", e, err)
	}

	// Importing again from the server adds nothing.
	again := mustImport(t, dst, srv.URL, Options{Token: "s3cret"})
	if again.Runs.Present != 6 || again.MetricPoints.Imported != 0 || again.Artifacts.Imported != 0 || again.Models.Present != 1 {
		t.Errorf("second import = %+v", again)
	}
}

func TestImportFromNonMLflowServer(t *testing.T) {
	srv := httptest.NewServer(nil) // 404 for everything
	defer srv.Close()
	_, err := Import(context.Background(), openStore(t), srv.URL, Options{})
	if err == nil || !strings.Contains(err.Error(), "does not answer as an MLflow tracking server") {
		t.Fatalf("err = %v", err)
	}
}
