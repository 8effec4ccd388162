# Core: layers, model, optimizers (float64 library), Solver on the real data (float32).
fc_add_test(NAME torture_layers SOURCES torture_layers.c LIBS fcnet64 LABELS fast)
