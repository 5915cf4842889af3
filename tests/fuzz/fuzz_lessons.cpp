// libFuzzer: the lessons file loader. Every input is refused with a message, or gives lessons
// whose every card opens (its parameters apply and validate).

#include "tests/fuzz/fuzz_util.h"
#include "ui/lessons/lessons.h"

#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const QByteArray json(reinterpret_cast<const char*>(data), qsizetype(size));
  QString error;
  const auto lessons = ntk::ui::lessonsFromJson(json, &error);
  if (!lessons) {
    ntk::fuzz::require(!error.isEmpty(), "a refusal says why");
    return 0;
  }
  for (const ntk::ui::Lesson& lesson : *lessons)
    for (int card = 0; card < int(lesson.cards.size()); ++card) {
      try {
        ntk::core::validate(ntk::ui::cardParameters(lesson, card));
      } catch (const std::invalid_argument&) {
        ntk::fuzz::require(false, "every card of a loaded lesson opens");
      }
    }
  return 0;
}
