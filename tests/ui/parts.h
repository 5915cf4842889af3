#pragma once
// The window's parts that are not widgets of their own (status text, recent files, session
// files, the export bundle), each tested on its own; ui_parts_tests runs them all
// (tests/ui/parts_main.cpp).

int runStatusTextTests(int argc, char** argv);
int runRecentFilesTests(int argc, char** argv);
int runSessionFileTests(int argc, char** argv);
int runExportBundleTests(int argc, char** argv);
