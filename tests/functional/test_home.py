def test_home_page_is_chinese_first(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
    assert "职称电子证书" in response.get_data(as_text=True)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
