"""Word lists the generator draws names, topics and problems from."""

from __future__ import annotations


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


SURNAMES = _words(
    "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma Luo Liang "
    "Song Zheng Xie Han Tang Feng Yu Dong Xiao Cheng Cao Yuan Deng Fu Shen Peng Lu Jiang Cai"
)
GIVEN = _words(
    "Jianguo Guiying Xiuying Jun Yong Min Jing Li Qiang Lei Yang Yan Jie Juan Tao Ming Chao "
    "Xiulan Xia Ping Gang Guilan Hua Hong Fang Wei Na Bo Hui Ling Lan Dan Hai Peng Xin Rong "
    "Zhiqiang Shuhua Haiyan Chunmei Dongmei Wenjun Yufeng Xiaoming Lihua Guoqing"
)
TOWNS = ("Qingshui", "Hexi", "Dongba", "Shiqiao", "Liulin", "Baima", "Xinfeng")
STREETS = ("Chengguan", "Nanyuan", "Beihu")
VILLAGE_STEMS = _words(
    "Lijia Wangzhuang Zhangwan Liuhe Chenjiaba Yangliu Zhaoping Huangtu Zhoucun Wujia Xugou "
    "Sunzhuang Hutang Zhuqiao Gaoling Linchang Hejia Guodian Mapu Luoyang Liangshan Songlin "
    "Zhengjia Xiejiawan Hanzhuang Tangfang Fengshan Yuxi Dongping Xiaohe Chengbei Caojia "
    "Yuanqiao Dengzhuang Fuxing Shenjia Pengwan Lutang Jianglou Caiyuan Shuangmiao Taohua "
    "Baiyang Qianjin Hongqi Xinglong Dahe Xiaowan Nanshan Beishan Gaoqiao Shiban"
)
VILLAGE_PREFIXES = _words("Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin")
VILLAGE_SUFFIXES = _words("zhuang wan gou ping qiao tang shan he ling dian")
COMMUNITY_STEMS = _words(
    "Heping Xinhua Jianshe Renmin Wenhua Shengli Guangming Xingfu Minzhu Tuanjie Yingbin "
    "Jinxiu Chunhui Zhongxin Huayuan Binhe Lanting Qingnian Xiangyang Donghu Xiyuan Zhongshan"
)
COMPANY_STEMS = _words(
    "Hengda Textile|Jinyu Machinery|Ruifeng Foods|Tianyi Logistics|Huaxin Electronics|"
    "Lvyuan Agriculture|Dingsheng Building Materials|Kangning Pharmaceutical|Mingtai Packaging|"
    "Yuanhang Auto Parts|Fulin Furniture|Qiangsheng Chemical|Baohua Paper|Xinrui Software|"
    "Haitong Trading|Shunfa Property Services|Jiahe Catering|Longteng Steel Structure",
    "|",
)
SOCIAL_STEMS = _words(
    "Volunteers Association|Elderly Care Center|Lawyers Association|Private Schools Association|"
    "Social Work Service Center|Chamber of Commerce",
    "|",
)

# (id, name, branch category, general branches (name stems), direct branches)
SYSTEMS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("SC01", "Government Agencies", "agency", ("District Government Offices", "Law and Order"), 1),
    ("SC02", "Education System", "school", ("No. 1 Middle School", "Experimental School"), 2),
    ("SC03", "Health System", "institution", ("District People's Hospital",), 2),
    (
        "SC04",
        "State-owned Enterprises",
        "state_enterprise",
        ("City Investment Group", "Water Group"),
        1,
    ),
    (
        "SC05",
        "Non-public Economy and Social Organizations",
        "nonpublic_enterprise",
        ("Industrial Park",),
        2,
    ),
    (
        "SC06",
        "Agriculture and Rural Affairs",
        "institution",
        ("Agricultural Technology Center",),
        1,
    ),
    (
        "SC07",
        "Retired Cadres",
        "other",
        ("Retired Cadres of District Agencies", "Retired Teachers"),
        2,
    ),
    ("SC08", "Culture, Tourism and Sports", "institution", ("Culture Center",), 1),
)
UNIT_NAMES: dict[str, tuple[str, ...]] = {
    "agency": _words(
        "Finance Bureau|Development and Reform Bureau|Human Resources Bureau|"
        "Civil Affairs Bureau|Audit Bureau|Statistics Bureau|Justice Bureau|"
        "Public Security Sub-bureau|Procuratorate|Court|Petition Bureau|"
        "Emergency Management Bureau|Natural Resources Bureau",
        "|",
    ),
    "school": _words(
        "Teachers' Group|Administration|Logistics|Junior Section|Senior Section|"
        "Primary School|Vocational School|Kindergarten|Special Education School",
        "|",
    ),
    "institution": _words(
        "Internal Medicine|Surgery|Nursing|Administration|Disease Control Center|"
        "Maternal and Child Health Hospital|Animal Husbandry Station|Seed Station|"
        "Library|Museum|Sports Center|Art Troupe|Extension Service",
        "|",
    ),
    "state_enterprise": _words(
        "Headquarters|Construction Company|Operations Company|Water Supply Company|"
        "Sewage Treatment Company|Finance Department|Engineering Department",
        "|",
    ),
    "nonpublic_enterprise": COMPANY_STEMS[:10],
    "other": _words(
        "First|Second|Third|Fourth|Fifth|Sixth|Seventh",
        "|",
    ),
}

TOPICS = (
    "Study the Party Constitution",
    "Study the spirit of the plenary session",
    "Discuss rural revitalization work",
    "Review party dues payment",
    "Discuss member development",
    "Arrange flood prevention",
    "Discuss grass-roots governance",
    "Study discipline regulations",
    "Discuss community service projects",
    "Criticism and self-criticism",
    "Arrange volunteer service",
    "Discuss village affairs openness",
)
PROBLEMS = (
    "meeting minutes incomplete",
    "party dues ledger not updated",
    "disclosure board out of date",
    "theme party day content thin",
    "member files incomplete",
    "activist training records missing",
)
