#include "tests/core/params/param_values.h"
#include "tests/ui/parts.h"
#include "ui/session/session_file.h"

#include <QtTest>
#include <stdexcept>

class SessionFileTest : public QObject {
  Q_OBJECT

 private slots:
  // The sessions' face of the parameter table: every value other than the default of every
  // parameter (comparison and NTK view) is written and read back as it was, moving nothing else,
  // or refused with the reason when the parameters are not valid together.
  void everyValueOfEveryParameterRoundTrips() {
    const ntk::core::Parameters defaults = ntk::core::default_parameters();
    for (const auto table : {ntk::core::parameter_specs(), ntk::core::ntk_parameter_specs()}) {
      for (const ntk::core::ParamSpec& s : table) {
        for (const std::string& value : ntk::test::other_values(s, defaults)) {
          ntk::ui::Session session{defaults, {}};
          s.set(session.params, value);
          QString error;
          const auto back = ntk::ui::sessionFromJson(ntk::ui::sessionToJson(session), "test", &error);
          try {  // a value valid alone but not beside the defaults (rank 1048576 > min(r, d)) is refused
            ntk::core::validate(session.params);
          } catch (const std::invalid_argument& e) {
            QVERIFY(!back);
            QVERIFY2(error.contains(e.what()), qPrintable(error));
            continue;
          }
          QVERIFY2(back, qPrintable(error));
          QVERIFY2(back->params == session.params,
                   qPrintable(QString::fromStdString(std::string(s.key) + " = " + value)));
          QCOMPARE(s.get(back->params), value);
        }
      }
    }
  }
};

int runSessionFileTests(int argc, char** argv) {
  SessionFileTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_session_file.moc"
