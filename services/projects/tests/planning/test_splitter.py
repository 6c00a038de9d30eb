"""The deterministic requirement splitter, in Chinese and English."""

from __future__ import annotations

from shopmind_projects.planning.splitter import split_requirement


def _titles(text: str) -> list[str]:
    return [t.title for t in split_requirement(text).tasks]


def test_chinese_paragraph_with_a_goal() -> None:
    split = split_requirement(
        "构建一个电商搜索推荐系统，实现基于用户行为的个性化推荐，提升用户购买转化率。")
    assert split.language == "zh"
    assert [t.title for t in split.tasks] == ["构建一个电商搜索推荐系统",
                                              "实现基于用户行为的个性化推荐"]
    assert split.goals == ["提升用户购买转化率"]
    assert all(t.estimate_hours > 0 and "=" in t.basis for t in split.tasks)


def test_chinese_sequence_words_become_dependencies() -> None:
    split = split_requirement("首先调研现有推荐算法，然后设计推荐服务架构，接着开发召回和排序模块，"
                              "最后进行A/B测试并上线，以提高点击率。")
    assert [t.title for t in split.tasks] == ["调研现有推荐算法", "设计推荐服务架构",
                                              "开发召回和排序模块", "进行A/B测试", "上线"]
    assert [t.depends_on for t in split.tasks] == [[], [0], [1], [2], [3]]
    assert [t.category for t in split.tasks] == ["research", "design", "build", "test",
                                                 "deploy"]
    assert split.goals == ["以提高点击率"]


def test_numbered_list() -> None:
    split = split_requirement("需求如下：\n1. 设计商品搜索接口\n2. 实现搜索排序和过滤\n"
                              "3. 编写单元测试\n4. 部署到测试环境")
    assert [t.title for t in split.tasks] == ["设计商品搜索接口", "实现搜索排序和过滤",
                                              "编写单元测试", "部署到测试环境"]
    # Testing waits for the build before it, deploying for the testing.
    assert [t.depends_on for t in split.tasks] == [[], [], [1], [2]]


def test_english_paragraph() -> None:
    split = split_requirement("Build a login page with OAuth, then add password reset. "
                              "Finally, write integration tests and deploy to staging.")
    assert split.language == "en"
    assert [t.title for t in split.tasks] == ["Build a login page with OAuth",
                                              "Add password reset", "Write integration tests",
                                              "Deploy to staging"]
    assert [t.depends_on for t in split.tasks] == [[], [0], [1], [2]]
    assert [t.estimate_hours for t in split.tasks] == [16, 16, 8, 4]


def test_english_lead_ins_and_purpose() -> None:
    split = split_requirement("We need a dashboard that shows weekly sales. It should support "
                              "filtering by region and exporting to CSV, so that managers can "
                              "track targets.")
    assert [t.title for t in split.tasks] == [
        "Build a dashboard that shows weekly sales",
        "Support filtering by region and exporting to CSV"]
    assert split.goals == ["so that managers can track targets"]


def test_deterministic_and_capped() -> None:
    text = "。".join(f"实现功能模块{i}" for i in range(30))
    assert _titles(text) == _titles(text)
    assert len(split_requirement(text, max_tasks=5).tasks) == 5
