package runner

import (
	"strings"
	"testing"
)

func TestExpandCommandAndParamEnv(t *testing.T) {
	argv, changed := ExpandCommand([]string{"train", "--lr={lr}", "{lr}{bs}", "{other}", "{{lr}}", "awk '{print $1}'"},
		map[string]string{"lr": "{bs}", "bs": "32"})
	if !changed || strings.Join(argv, " ") != "train --lr={bs} {bs}32 {other} {{bs}} awk '{print $1}'" {
		t.Errorf("ExpandCommand = %q", argv)
	}
	if _, changed := ExpandCommand([]string{"true"}, nil); changed {
		t.Error("nothing to expand, yet changed")
	}
	if got := ParamEnvName("val.lr-max/2"); got != "LATHE_PARAM_VAL_LR_MAX_2" {
		t.Errorf("ParamEnvName = %q", got)
	}
	env := MergeEnv([]string{"A=1", "MLFLOW_RUN_ID=old", "B=2"}, map[string]string{"MLFLOW_RUN_ID": "new", "C": "3"})
	if strings.Join(env, " ") != "A=1 B=2 C=3 MLFLOW_RUN_ID=new" {
		t.Errorf("MergeEnv = %v", env)
	}
}
