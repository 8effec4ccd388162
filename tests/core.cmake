# Core: layers, model, optimizers (float64 library), Solver on the real data (float32).
fc_add_test(NAME torture_layers SOURCES torture_layers.c LIBS fcnet64 LABELS fast)
fc_add_test(NAME torture_model SOURCES torture_model.c LIBS fcnet64 LABELS fast)
fc_add_test(NAME torture_optim SOURCES torture_optim.c LIBS fcnet64 LABELS fast)
