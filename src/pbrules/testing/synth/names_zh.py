"""The Chinese of the generator's word lists (:mod:`.names` and the fixed texts of the records).

Every English word or phrase the generator draws has one Chinese counterpart here, and no two
draw the same Chinese, so the Chinese district has as many distinct names as the English one.
:mod:`.zh` uses these tables to write a generated snapshot in Chinese.
"""

from __future__ import annotations

from pbrules.testing.synth import names


def _pairs(english: tuple[str, ...], chinese: str) -> dict[str, str]:
    """``english[i]`` -> the i-th word of ``chinese`` (space separated); lengths must agree."""
    words = chinese.split()
    if len(words) != len(english):
        raise ValueError(f"{len(english)} English words but {len(words)} Chinese ones")
    return dict(zip(english, words, strict=True))


SURNAMES = _pairs(
    names.SURNAMES,
    "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗 梁 宋 郑 谢 韩 唐 冯 "
    "于 董 肖 程 曹 袁 邓 傅 沈 彭 卢 蒋 蔡",
)
GIVEN = _pairs(
    names.GIVEN,
    "建国 桂英 秀英 军 勇 敏 静 丽 强 磊 洋 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂兰 华 红 芳 伟 娜 波 "
    "慧 玲 兰 丹 海 鹏 鑫 荣 志强 淑华 海燕 春梅 冬梅 文军 玉凤 晓明 丽华 国庆",
)
TOWNS = _pairs(names.TOWNS, "清水 河西 东坝 石桥 柳林 白马 新丰")
STREETS = _pairs(names.STREETS, "城关 南苑 北湖")
DISTRICTS = {"Xinhe": "新河", "Generated": "样例"}
VILLAGE_STEMS = _pairs(
    names.VILLAGE_STEMS,
    "李家 王庄 张湾 柳河 陈家坝 杨柳 赵坪 黄土 周村 吴家 徐沟 孙庄 胡塘 朱桥 高岭 林场 何家 郭店 "
    "马铺 罗阳 梁山 松林 郑家 谢家湾 韩庄 唐坊 凤山 玉溪 东坪 小河 城北 曹家 袁桥 邓庄 复兴 沈家 "
    "彭湾 芦塘 蒋楼 菜园 双庙 桃花 白杨 前进 红旗 兴隆 大河 小湾 南山 北山 高桥 石板",
)
VILLAGE_PREFIXES = _pairs(names.VILLAGE_PREFIXES, "王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林")
VILLAGE_SUFFIXES = _pairs(names.VILLAGE_SUFFIXES, "庄 湾 沟 坪 桥 塘 山 河 岭 店")
COMMUNITY_STEMS = _pairs(
    names.COMMUNITY_STEMS,
    "和平 新华 建设 人民 文化 胜利 光明 幸福 民主 团结 迎宾 锦绣 春晖 中心 花园 滨河 兰亭 青年 "
    "向阳 东湖 西苑 中山",
)
COMPASS = {"East": "东", "West": "西"}
COMPANY_STEMS = _pairs(
    names.COMPANY_STEMS,
    "恒达纺织 金宇机械 瑞丰食品 天翼物流 华鑫电子 绿源农业 鼎盛建材 康宁制药 明泰包装 远航汽车配件 "
    "富林家具 强盛化工 宝华纸业 新锐软件 海通贸易 顺发物业 佳禾餐饮 龙腾钢结构",
)
#: the trade a coverage unit adds to a company stem ("Hengda Textile Trading Co., Ltd.")
COMPANY_TRADES = {"Trading": "商贸", "Services": "服务"}
SOCIAL_STEMS = _pairs(
    names.SOCIAL_STEMS, "志愿者协会 养老服务中心 律师协会 民办教育协会 社会工作服务中心 商会"
)
#: system sub-committees (without "Party Sub-committee")
SYSTEMS = {
    "Government Agencies": "区直机关",
    "Education System": "区教育系统",
    "Health System": "区卫生健康系统",
    "State-owned Enterprises": "区属国有企业",
    "Non-public Economy and Social Organizations": "区非公经济和社会组织",
    "Agriculture and Rural Affairs": "区农业农村系统",
    "Retired Cadres": "区离退休干部",
    "Culture, Tourism and Sports": "区文化旅游体育系统",
}
#: general branches (without "General Party Branch")
GENERALS = {
    "District Government Offices": "区政府办公室",
    "Law and Order": "区委政法委",
    "No. 1 Middle School": "区第一中学",
    "Experimental School": "区实验学校",
    "District People's Hospital": "区人民医院",
    "City Investment Group": "区城投集团",
    "Water Group": "区水务集团",
    "Industrial Park": "区工业园区",
    "Agricultural Technology Center": "区农业技术推广中心",
    "Retired Cadres of District Agencies": "区直机关离退休干部",
    "Retired Teachers": "区退休教师",
    "Culture Center": "区文化馆",
}
#: the units a system's branches belong to (names.UNIT_NAMES) and their sections
UNITS = {
    "Finance Bureau": "区财政局机关",
    "Development and Reform Bureau": "区发展和改革局机关",
    "Human Resources Bureau": "区人力资源和社会保障局机关",
    "Civil Affairs Bureau": "区民政局机关",
    "Audit Bureau": "区审计局机关",
    "Statistics Bureau": "区统计局机关",
    "Justice Bureau": "区司法局机关",
    "Public Security Sub-bureau": "区公安分局机关",
    "Procuratorate": "区人民检察院机关",
    "Court": "区人民法院机关",
    "Petition Bureau": "区信访局机关",
    "Emergency Management Bureau": "区应急管理局机关",
    "Natural Resources Bureau": "区自然资源局机关",
    "Teachers' Group": "教师",
    "Administration": "行政",
    "Logistics": "后勤",
    "Junior Section": "初中部",
    "Senior Section": "高中部",
    "Primary School": "区实验小学",
    "Vocational School": "区职业高级中学",
    "Kindergarten": "区机关幼儿园",
    "Special Education School": "区特殊教育学校",
    "Internal Medicine": "内科",
    "Surgery": "外科",
    "Nursing": "护理部",
    "Disease Control Center": "区疾病预防控制中心",
    "Maternal and Child Health Hospital": "区妇幼保健院",
    "Animal Husbandry Station": "区畜牧兽医站",
    "Seed Station": "区种子管理站",
    "Library": "区图书馆",
    "Museum": "区博物馆",
    "Sports Center": "区体育中心",
    "Art Troupe": "区艺术团",
    "Extension Service": "区农业综合服务站",
    "Headquarters": "机关",
    "Construction Company": "区城建公司",
    "Operations Company": "区城市运营公司",
    "Water Supply Company": "区供水公司",
    "Sewage Treatment Company": "区污水处理公司",
    "Finance Department": "财务部",
    "Engineering Department": "工程部",
    **{stem: COMPANY_STEMS[stem] + "集团" for stem in names.UNIT_NAMES["nonpublic_enterprise"]},
    **_pairs(names.UNIT_NAMES["other"], "第一 第二 第三 第四 第五 第六 第七"),
}
NUMERALS = "一二三四五六七八九十"

#: the fixed texts of the records: meeting and disclosure topics, problems found, bodies,
#: documents and facilities
TEXTS = {
    **_pairs(
        names.TOPICS,
        "学习党章 学习全会精神 研究乡村振兴工作 检查党费收缴情况 研究发展党员工作 部署防汛工作 "
        "研究基层治理工作 学习纪律处分条例 研究社区服务项目 开展批评和自我批评 安排志愿服务 "
        "研究村务公开工作",
    ),
    **_pairs(
        names.PROBLEMS,
        "会议记录不完整 党费台账未及时更新 党务公开栏内容陈旧 主题党日内容空泛 党员档案资料不全 "
        "入党积极分子培养记录缺失",
    ),
    "committee duties": "支委分工",
    "finances": "财务收支",
    "meeting schedule": "会议安排",
    "member development": "发展党员",
    "party dues": "党费收缴",
    "rectification progress": "整改进展",
    "Democratic Finance Group": "民主理财小组",
    "Party Affairs Openness Group": "党务公开小组",
    "Party Building Leading Group": "党建工作领导小组",
    "Party Members' Council": "党员议事会",
    "Village Affairs Openness Group": "村务公开小组",
    "Village Affairs Supervision Committee": "村务监督委员会",
    "Villagers' Representatives Assembly": "村民代表会议",
    "Follow-up visit register": "回访登记簿",
    "Help request register": "群众求助登记簿",
    "Matters completion rules": "事项办结制度",
    "Pairing assistance rules": "结对帮扶制度",
    "Party and village affairs openness rules": "党务村务公开制度",
    "Proxy service rules": "代办服务制度",
    "Good team board": "好班子公示栏",
    "Matters completion board": "事项办结公示栏",
    "Members' pledge board": "党员承诺公示栏",
    "Members' posts and duties board": "党员设岗定责公示栏",
    "One book, one line board": "一本台账一条线公示栏",
    "Party and people service centre": "党群服务中心",
    "Party and village affairs disclosure board": "党务村务公开栏",
    "Party members' activity room": "党员活动室",
    "Party members' service station": "党员服务站",
    "Village cadre supervision board": "村干部监督公示栏",
    "Villagers' deliberation hall": "村民议事厅",
}
#: yearly documents: "2026 party building work plan" -> "2026年党建工作计划"
YEARLY_DOCUMENTS = {
    "party building work summary": "党建工作总结",
    "party building work plan": "党建工作计划",
}

#: planted situation id -> its description in Chinese (planted.json of the Chinese example)
SITUATIONS = {
    "committee_meetings_skipped": "本季度只有一个月召开支委会。",
    "theme_days_skipped": "本季度只有一个月开展主题党日。",
    "retired_branch_one_committee_member": "正式党员7名以上的离退休党支部只设1名支委。",
    "points_not_recorded": "村党支部未记录党员积分。",
    "activist_year_skipped": "入党积极分子培养5个月即确定为发展对象（应满一年）。",
    "resigned_after_transition": "春季换届后本季度有村“两委”成员辞职。",
    "few_visits": "乡镇党委本季度只走访了所属党支部中的2个。",
    "overdue_rectifications": "整改事项逾期未完成。",
    "dues_arrears": "有党员自2026年1月起未交纳党费。",
    "no_woman_on_two_committees": "村“两委”班子中没有女性成员。",
    "no_young_cadre": "村“两委”班子中没有35岁以下成员。",
    "secretary_not_director": "村党组织书记未兼任村委会主任。",
    "finance_group_missing": "村未设民主理财小组。",
    "no_annual_plan": "党组织没有2026年党建工作计划。",
    "no_activity_room": "村党支部没有党员活动室。",
    "feedback_not_rectified": "区委暗访反馈的问题逾期未整改。",
    "weak_lax_rectification_behind": "软弱涣散村8月到期的整顿步骤未完成。",
    "five_transformations_behind": "“五化”示范创建党支部未按期达标。",
    "one_reserve_cadre": "村后备干部只有1名（至少2名）。",
    "few_members_with_posts": "村党支部设岗定责的党员不到一半。",
}
